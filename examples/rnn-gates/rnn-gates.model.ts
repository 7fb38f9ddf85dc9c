// The chapter's sentiment network, Embedding -> SimpleRNN(32) -> Dense(1, sigmoid), beside the same
// network with an LSTM(32) or a GRU(32) (Keras 3's resetAfter form) in the SimpleRNN's place, on
// sequences whose one opinion word may sit far from the end (see opinion-words.ts).
import { adam, dense, embedding, gru, input, lstm, sequential, simpleRNN } from "typegrad/dsl";

const training = {
  loss: "binaryCrossentropy",
  optimizer: adam({ learningRate: 0.01 }),
  metrics: ["accuracy"],
  seed: 1,
} as const;

// 30 token ids from a vocabulary of 20, each looked up as 32 numbers.
export const withSimpleRnn = sequential(input([30], { dtype: "int32" }), embedding(20, 32), simpleRNN(32), dense(1, "sigmoid")).compile(training);

export const withLstm = sequential(input([30], { dtype: "int32" }), embedding(20, 32), lstm(32), dense(1, "sigmoid")).compile(training);

export const withGru = sequential(input([30], { dtype: "int32" }), embedding(20, 32), gru(32), dense(1, "sigmoid")).compile(training);
