// The chapter's recurrent model, in the seed's Functional form:
//   inputs = Input(shape=(50,1))
//   lstm_layer = LSTM(10)(inputs)
//   x = Dense(10, activation='relu')(lstm_layer)
//   output = Dense(1, activation='sigmoid')(x)
//   model = Model(inputs=inputs, outputs=output)
// and the same network with a SimpleRNN(10) in the LSTM's place, on a task that needs memory across
// the sequence (see marked-pairs.ts).
import { adam, dense, input, lstm, model, simpleRNN } from "typegrad/dsl";

const training = {
  loss: "binaryCrossentropy",
  optimizer: adam({ learningRate: 0.01 }),
  metrics: ["accuracy"],
  seed: 1,
} as const;

const inputs = input([50, 1]);
const lstmLayer = lstm(10)(inputs);
const x = dense(10, "relu")(lstmLayer);
const output = dense(1, "sigmoid")(x);
export const sequenceLstm = model({ inputs, outputs: output }).compile(training);

const rnnInputs = input([50, 1]);
const rnnLayer = simpleRNN(10)(rnnInputs);
const rnnX = dense(10, "relu")(rnnLayer);
const rnnOutput = dense(1, "sigmoid")(rnnX);
export const sequenceRnn = model({ inputs: rnnInputs, outputs: rnnOutput }).compile(training);
