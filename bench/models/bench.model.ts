// The networks the benchmark trains, the same for every implementation.
import { adam, dense, input, sequential, sgd } from "typegrad/dsl";

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
