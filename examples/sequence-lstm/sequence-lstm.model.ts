// The chapter's recurrent model, Input(50, 1) -> LSTM(10) -> Dense(10, relu) -> Dense(1, sigmoid), and
// the same network with a SimpleRNN(10) in the LSTM's place, on a task that needs memory across the
// sequence (see marked-pairs.ts).
import { adam, dense, input, lstm, sequential, simpleRNN } from "typegrad/dsl";

const training = {
  loss: "binaryCrossentropy",
  optimizer: adam({ learningRate: 0.01 }),
  metrics: ["accuracy"],
  seed: 1,
} as const;

export const sequenceLstm = sequential(input([50, 1]), lstm(10), dense(10, "relu"), dense(1, "sigmoid")).compile(training);

export const sequenceRnn = sequential(input([50, 1]), simpleRNN(10), dense(10, "relu"), dense(1, "sigmoid")).compile(training);
