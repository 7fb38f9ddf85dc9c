// The networks the benchmark trains, the same for every implementation.
import { adam, bidirectional, dense, embedding, flatten, gru, input, lstm, rmsprop, sequential, sgd, simpleRNN } from "typegrad/dsl";

/** XOR: 2-8-1 sigmoid, mean squared error, SGD, full batch of 4. */
export const xorBench = sequential(input([2]), dense(8, "sigmoid"), dense(1, "sigmoid")).compile({
  loss: "meanSquaredError",
  optimizer: sgd({ learningRate: 0.5 }),
});

/** The seed's 2-2-2 sigmoid network, no biases, SGD, one example a step. */
export const seedBench = sequential(input([2]), dense(2, { activation: "sigmoid", useBias: false }), dense(2, { activation: "sigmoid", useBias: false })).compile({
  loss: "meanSquaredError",
  optimizer: sgd({ learningRate: 0.5 }),
});

/** MNIST-sized MLP: 784-256-128-10, relu and softmax, categorical cross-entropy, Adam, batch 128. */
export const mlpBench = sequential(input([784]), dense(256, "relu"), dense(128, "relu"), dense(10, "softmax")).compile({
  loss: "categoricalCrossentropy",
  optimizer: adam(),
});

/** Text classification: a sparse bag of 10,000 words, 256-128-20 relu and softmax, categorical cross-entropy, Adam, batch 128. */
export const textBench = sequential(input([10000], { sparse: true }), dense(256, "relu"), dense(128, "relu"), dense(20, "softmax")).compile({
  loss: "categoricalCrossentropy",
  optimizer: adam(),
});

/** IMDB-style sentiment: Embedding(10000, 32), SimpleRNN(32), a sigmoid; 100 tokens, RMSprop. */
export const rnnBench = sequential(input([100], { dtype: "int32" }), embedding(10000, 32), simpleRNN(32), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: rmsprop(),
});

/** Embedding(10000, 64), LSTM(64), a sigmoid; 50 tokens, Adam. */
export const lstmBench = sequential(input([50], { dtype: "int32" }), embedding(10000, 64), lstm(64), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: adam(),
});

/** Embedding(10000, 64), GRU(64) (resetAfter, Keras 3's and PyTorch's form), a sigmoid; 50 tokens, Adam. */
export const gruBench = sequential(input([50], { dtype: "int32" }), embedding(10000, 64), gru(64), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: adam(),
});

/** Embedding(10000, 64), Bidirectional(LSTM(32)) concatenated, a sigmoid; 50 tokens, Adam. */
export const bilstmBench = sequential(input([50], { dtype: "int32" }), embedding(10000, 64), bidirectional(lstm(32)), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: adam(),
});

/** The NNLM: 4 token ids, Embedding(5000, 64) flattened to 256, Dense(128, tanh), a softmax over 5000; Adam. */
export const nnlmBench = sequential(input([4], { dtype: "int32" }), embedding(5000, 64), flatten(), dense(128, "tanh"), dense(5000, "softmax")).compile({
  loss: "sparseCategoricalCrossentropy",
  optimizer: adam(),
});
