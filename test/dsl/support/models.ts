// Models the DSL tests build again and again: the seed's examples and DESIGN.md's, written as a user
// would. Each builder makes fresh layers, so every call is an independent model.

import {
  adam,
  add,
  concatenate,
  dense,
  dropout,
  input,
  lstm,
  matmul,
  model,
  Module,
  sequential,
  sgd,
  softmax,
  type Tensor,
} from "../../../dsl/index";

/** The seed's back-propagation network (SEED-NOTES "Back-propagation worked example"). */
export const backprop = () =>
  sequential(
    input([2]),
    dense(2, { activation: "sigmoid", useBias: false, kernel: [[0.3, 0.4], [0.25, 0.35]] }),
    dense(2, { activation: "sigmoid", useBias: false, kernel: [[0.45, 0.7], [0.4, 0.6]] }),
  ).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.5 }) });

/** DESIGN.md's two-input functional model; also returns the tensors, to find their nodes. */
export function twoInputsParts() {
  const a = input([64]);
  const b = input([128]);
  const x = dense(8, "relu")(dense(16, "relu")(a));
  const y = dense(8, "relu")(dense(32, "relu")(dense(64, "relu")(b)));
  const z = dense(1)(dense(2, "relu")(concatenate(x, y)));
  return { a, b, x, y, z, model: model({ inputs: [a, b], outputs: z }) };
}

export const twoInputs = () => twoInputsParts().model.compile({ loss: "meanSquaredError", optimizer: "adam" });

/** The seed's MLP text classifier: 10000 bag-of-words features -> 256 -> 128 -> 20 classes. */
export const mlpLayers = () =>
  sequential(input([10000]), dense(256, "relu"), dropout(0.5), dense(128, "relu"), dropout(0.5), dense(20, "softmax"));

export const mlp = () => mlpLayers().compile({ loss: "categoricalCrossentropy", optimizer: "adam", metrics: ["accuracy"] });

/** The seed's RNN exercise: Input(50, 1) -> LSTM(10) -> Dense(10, relu) -> Dense(1, sigmoid). */
export const lstmModel = () =>
  sequential(input([50, 1]), lstm(10), dense(10, "relu"), dense(1, "sigmoid")).compile({
    loss: "binaryCrossentropy",
    optimizer: "adam",
    metrics: ["accuracy"],
  });

/** DESIGN.md's subclassing example. */
export class TinyNet extends Module<[4], [3]> {
  w = this.param([4, 3], "glorotUniform");
  b = this.param([3], "zeros");
  hidden = dense(4, "relu");
  call(x: Tensor<[4]>): Tensor<[3]> {
    return softmax(add(matmul(this.hidden(x), this.w), this.b));
  }
}

export const tiny = () => new TinyNet([4], [3]).compile({ loss: "categoricalCrossentropy", optimizer: adam() });

/** Every model above by name, for the cross-process hash check. */
export const ALL = { backprop, twoInputs, mlp, lstmModel, tiny } as const;
