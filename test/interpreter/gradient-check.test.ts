import { afterAll, describe, expect, it } from "vitest";
import {
  Module,
  activation,
  add,
  batchNormalization,
  concatenate,
  dense,
  dropout,
  embedding,
  exp,
  flatten,
  input,
  l1,
  l1l2,
  l2,
  layerNormalization,
  leakyRelu,
  log,
  lstm,
  gru,
  bidirectional,
  matmul,
  mean,
  model,
  multiply,
  param,
  relu,
  reshape,
  sequential,
  sigmoid,
  simpleRNN,
  softmax,
  subtract,
  sum,
  tanh,
  type CompiledModel,
  type LossName,
  type Tensor,
} from "typegrad/dsl";
import { checkCase, type CaseOptions } from "../support/gradient-cases";

// Every op, activation, loss and regulariser: the interpreter's reverse-mode gradients against
// finite differences of lossValue (five-point stencil, h = 1e-3; see test/support/gradient-check.ts),
// relative error below 1e-6 for every element of every trainable weight. A trainable dense layer feeds most ops, so their input gradients are
// checked through its kernel.

const TOLERANCE = 1e-6;
let worst = { error: 0, where: "", name: "" };
let elements = 0;
let excused = 0;
let worstOverall = 0;

const compile = <M extends { compile(config: { loss: LossName }): CompiledModel }>(m: M, loss: LossName = "meanSquaredError") => m.compile({ loss });

function expectGradientsMatch(name: string, make: () => CompiledModel, options?: CaseOptions): void {
  const result = checkCase(make(), options);
  if (result.worst > worst.error) worst = { error: result.worst, where: result.where, name };
  elements += result.elements;
  excused += result.excused;
  worstOverall = Math.max(worstOverall, result.worstOverall);
  expect(result.elements).toBeGreaterThan(0);
  expect(result.worst, result.where).toBeLessThan(TOLERANCE);
}

afterAll(() => {
  console.log(
    `gradient check: ${elements} weight elements; worst relative error ${worst.error.toExponential(2)} ` +
      `(${worst.name}: ${worst.where}); ${excused} elements excused as rounding noise ` +
      `(worst relative error with them ${worstOverall.toExponential(2)})`,
  );
});

class TinyNet extends Module<[4], [3]> {
  w = this.param([4, 3], "glorotUniform");
  b = this.param([3], "zeros");
  hidden = dense(4, "tanh");
  call(x: Tensor<[4]>): Tensor<[3]> {
    return softmax(add(matmul(this.hidden(x), this.w), this.b));
  }
}

type Case = readonly [name: string, make: () => CompiledModel, options?: CaseOptions];

const OPS: readonly Case[] = [
  ["matmul (dense, linear, with biasAdd)", () => compile(sequential(input([4]), dense(3)))],
  ["matmul without bias", () => compile(sequential(input([4]), dense(3, { useBias: false }), dense(2, { useBias: false })))],
  [
    "matmul on rank-2 inputs",
    () => {
      const x = input([3, 4]);
      return compile(model({ inputs: x, outputs: matmul(tanh(matmul(x, param([4, 5]))), param([5, 2])) }));
    },
  ],
  [
    "matmul by a computed (per-example) matrix",
    () => {
      const x = input([2, 3]);
      const z = input([4]);
      const w = reshape(dense(6, "tanh")(z), [3, 2]);
      return compile(model({ inputs: [x, z], outputs: matmul(dense(3)(x), w) }));
    },
  ],
  ["sigmoid", () => compile(sequential(input([4]), dense(3, "sigmoid"), dense(2)))],
  ["tanh", () => compile(sequential(input([4]), dense(3, "tanh"), dense(2)))],
  ["relu", () => compile(sequential(input([4]), dense(5, "relu"), dense(2)))],
  ["leakyRelu (dense activation, alpha 0.2)", () => compile(sequential(input([4]), dense(5, "leakyRelu"), dense(2)))],
  [
    "leakyRelu op with alpha 0.1",
    () => {
      const x = input([4]);
      return compile(model({ inputs: x, outputs: dense(2)(leakyRelu(dense(5)(x), 0.1)) }));
    },
  ],
  ["activation layer (relu)", () => compile(sequential(input([4]), dense(5), activation("relu"), dense(2)))],
  ["softmax (inner layer)", () => compile(sequential(input([4]), dense(4, "softmax"), dense(2)))],
  ["softmax over the last axis of [T, C]", () => compile(sequential(input([3, 4]), dense(4, "softmax"), flatten(), dense(2)))],
  [
    "sigmoid, tanh and relu as ops",
    () => {
      const x = input([4]);
      const h = dense(4)(x);
      return compile(model({ inputs: x, outputs: dense(2)(concatenate(sigmoid(h), tanh(h), relu(h))) }));
    },
  ],
  [
    "exp",
    () => {
      const x = input([4]);
      return compile(model({ inputs: x, outputs: dense(2)(exp(dense(3)(x))) }));
    },
  ],
  [
    "log of a positive tensor",
    () => {
      const x = input([4]);
      return compile(model({ inputs: x, outputs: dense(2)(log(dense(3, "sigmoid")(x))) }));
    },
  ],
  ["step in a frozen layer (no gradient needed through it)", () => compile(sequential(input([4]), dense(5, { activation: "step", trainable: false }), dense(2, "tanh")))],
  ...(["add", "subtract", "multiply"] as const).map(
    (name): Case => [
      name,
      () => {
        const a = input([4]);
        const b = input([5]);
        const op = { add, subtract, multiply }[name];
        return compile(model({ inputs: [a, b], outputs: dense(2)(op(dense(3, "tanh")(a), dense(3)(b))) }));
      },
    ],
  ),
  [
    "add of a weight (one value shared by the batch)",
    () => {
      const x = input([4]);
      return compile(model({ inputs: x, outputs: multiply(add(dense(3)(x), param([3])), param([3])) }));
    },
  ],
  [
    "concatenate of three [T, C] tensors",
    () => {
      const a = input([2, 3]);
      const b = input([2, 4]);
      const c = input([2, 1]);
      return compile(model({ inputs: [a, b, c], outputs: dense(2)(flatten(concatenate(dense(2)(a), dense(3, "tanh")(b), c))) }));
    },
  ],
  [
    "reshape",
    () => {
      // Functional: sequential(input([4]), dense(6), dense(6), reshape([2, 3])) does not type-check (see the report).
      const x = input([4]);
      return compile(model({ inputs: x, outputs: dense(1)(flatten(dense(2, "tanh")(reshape(dense(6)(x), [2, 3])))) }));
    },
  ],
  ["reshape as a layer", () => compile(sequential(input([4]), dense(6), reshape([3, 2]), dense(2)))],
  ["flatten", () => compile(sequential(input([2, 3]), dense(4, "tanh"), flatten(), dense(2)))],
  [
    "sum over every axis (a scalar per example)",
    () => {
      const x = input([2, 3]);
      return compile(model({ inputs: x, outputs: sum(dense(4, "tanh")(x)) }));
    },
  ],
  [
    "mean over every axis",
    () => {
      const x = input([2, 3]);
      return compile(model({ inputs: x, outputs: mean(dense(4, "tanh")(x)) }));
    },
  ],
  [
    "sum along axis 0",
    () => {
      const x = input([3, 4]);
      return compile(model({ inputs: x, outputs: dense(2)(sum(dense(3, "tanh")(x), 0)) }));
    },
  ],
  [
    "sum along the middle axis of [2, 3, C]",
    () => {
      const x = input([2, 3, 4]);
      return compile(model({ inputs: x, outputs: dense(2)(flatten(sum(dense(3, "tanh")(x), 1))) }));
    },
  ],
  [
    "mean along axis -1",
    () => {
      const x = input([3, 4]);
      return compile(model({ inputs: x, outputs: dense(2)(mean(dense(5, "tanh")(x), -1)) }));
    },
  ],
  ["dropout in training, fixed mask", () => compile(sequential(input([5]), dense(6, "tanh"), dropout(0.5), dense(2)))],
  ["dropout at inference (identity)", () => compile(sequential(input([5]), dense(6, "tanh"), dropout(0.5), dense(2))), { training: false }],
  ["embedding (repeated ids scatter-add)", () => compile(sequential(input([6], { dtype: "int32" }), embedding(4, 3), flatten(), dense(2))), { vocabulary: 4 }],
  ["simpleRNN", () => compile(sequential(input([4, 3]), simpleRNN(5), dense(2)))],
  [
    "simpleRNN returnSequences, no bias, sigmoid",
    () => compile(sequential(input([4, 3]), simpleRNN(3, { returnSequences: true, useBias: false, activation: "sigmoid" }), flatten(), dense(2))),
  ],
  ["lstm", () => compile(sequential(input([4, 3]), lstm(3), dense(2)))],
  ["gru (resetAfter, Keras 3's default: an input and a recurrent bias)", () => compile(sequential(input([4, 3]), gru(3), dense(2)))],
  ["bidirectional lstm, every step, concatenated", () => compile(sequential(input([4, 2]), bidirectional(lstm(2, { returnSequences: true })), flatten(), dense(2)))],
  ["bidirectional gru averaged, simpleRNN summed", () => compile(sequential(input([3, 2]), bidirectional(simpleRNN(2, { returnSequences: true }), { mergeMode: "sum" }), bidirectional(gru(2), { mergeMode: "ave" }), dense(2)))],
  ["goBackwards: simpleRNN, lstm and gru, last step first", () => compile(sequential(input([4, 2]), simpleRNN(2, { goBackwards: true, returnSequences: true }), lstm(2, { goBackwards: true, returnSequences: true }), gru(2, { goBackwards: true }), dense(2)))],
  ["gru without resetAfter (TensorFlow.js' form)", () => compile(sequential(input([4, 3]), gru(3, { resetAfter: false }), dense(2)))],
  ["gru returnSequences, no bias, sigmoid activation", () => compile(sequential(input([3, 2]), gru(2, { returnSequences: true, useBias: false, activation: "sigmoid" }), flatten(), dense(2)))],
  ["lstm returnSequences, no bias", () => compile(sequential(input([4, 3]), lstm(2, { returnSequences: true, useBias: false }), flatten(), dense(2)))],
  [
    "lstm with sigmoid activation and tanh recurrent activation",
    () => compile(sequential(input([3, 2]), lstm(3, { activation: "sigmoid", recurrentActivation: "tanh" }), dense(2))),
  ],
  [
    "stacked simpleRNN -> lstm over an embedding",
    () => compile(sequential(input([5], { dtype: "int32" }), embedding(6, 3), simpleRNN(4, { returnSequences: true }), lstm(2), dense(1))),
    { vocabulary: 6 },
  ],
  ["batchNormalization in training", () => compile(sequential(input([4]), dense(3), batchNormalization(), dense(2, "tanh"))), { batch: 4 }],
  [
    "batchNormalization in training on [T, C], no center and no scale",
    () => compile(sequential(input([3, 4]), dense(3), batchNormalization({ center: false, scale: false }), flatten(), dense(2))),
  ],
  ["batchNormalization in training, scale only", () => compile(sequential(input([4]), dense(3), batchNormalization({ center: false }), dense(2))), { batch: 4 }],
  ["batchNormalization in training, center only", () => compile(sequential(input([4]), dense(3), batchNormalization({ scale: false }), dense(2))), { batch: 4 }],
  ["batchNormalization at inference (moving statistics)", () => compile(sequential(input([4]), dense(3), batchNormalization(), dense(2))), { training: false }],
  [
    "batchNormalization shared by two branches, in training",
    () => {
      const bn = batchNormalization();
      const a = input([4]);
      const b = input([4]);
      return compile(model({ inputs: [a, b], outputs: dense(2)(add(bn(dense(3)(a)), bn(dense(3, "tanh")(b)))) }));
    },
  ],
  ["layerNormalization", () => compile(sequential(input([4]), dense(3), layerNormalization(), dense(2)))],
  ["layerNormalization on [T, C], no center", () => compile(sequential(input([2, 4]), dense(3, "tanh"), layerNormalization({ center: false }), flatten(), dense(2)))],
  [
    "a dense layer shared by two inputs",
    () => {
      const shared = dense(3, "tanh");
      const a = input([4]);
      const b = input([4]);
      return compile(model({ inputs: [a, b], outputs: dense(2)(concatenate(shared(a), shared(b))) }));
    },
  ],
  ["a frozen layer between trainable ones", () => compile(sequential(input([4]), dense(3, "tanh"), dense(3, { activation: "sigmoid", trainable: false }), dense(2)))],
  ["Module subclass with weights of its own", () => new TinyNet([4], [3]).compile({ loss: "categoricalCrossentropy" })],
];

const LOSSES: readonly Case[] = [
  ["meanSquaredError", () => compile(sequential(input([4]), dense(3, "tanh"), dense(3)), "meanSquaredError")],
  ["meanAbsoluteError", () => compile(sequential(input([4]), dense(3, "tanh"), dense(3)), "meanAbsoluteError")],
  ["binaryCrossentropy", () => compile(sequential(input([4]), dense(3, "tanh"), dense(2, "sigmoid")), "binaryCrossentropy")],
  ["binaryCrossentropy on [T, C] outputs", () => compile(sequential(input([3, 4]), dense(2, "sigmoid")), "binaryCrossentropy")],
  ["categoricalCrossentropy", () => compile(sequential(input([4]), dense(3, "tanh"), dense(4, "softmax")), "categoricalCrossentropy")],
  ["categoricalCrossentropy of unnormalised (sigmoid) outputs", () => compile(sequential(input([4]), dense(3, "sigmoid")), "categoricalCrossentropy")],
  ["categoricalCrossentropy on [T, C] outputs", () => compile(sequential(input([2, 4]), dense(3, "softmax")), "categoricalCrossentropy")],
  ["sparseCategoricalCrossentropy", () => compile(sequential(input([4]), dense(3, "tanh"), dense(4, "softmax")), "sparseCategoricalCrossentropy")],
  ["sparseCategoricalCrossentropy on [T, C] outputs", () => compile(sequential(input([3, 4]), dense(3, "softmax")), "sparseCategoricalCrossentropy")],
];

const REGULARIZERS: readonly Case[] = [
  ["l1 on a dense kernel", () => compile(sequential(input([4]), dense(3, { activation: "tanh", kernelRegularizer: l1(0.05) }), dense(2)))],
  ["l2 on a dense bias", () => compile(sequential(input([4]), dense(3, { activation: "tanh", biasRegularizer: l2(0.1) }), dense(2)))],
  ["l1l2 on a dense kernel", () => compile(sequential(input([4]), dense(3, { kernelRegularizer: l1l2({ l1: 0.01, l2: 0.02 }) }), dense(2)))],
  ["l2 on an embedding table", () => compile(sequential(input([3], { dtype: "int32" }), embedding(5, 2, { embeddingsRegularizer: l2(0.03) }), flatten(), dense(1))), { vocabulary: 5 }],
  [
    "l1 and l2 on lstm kernel, recurrent kernel and bias",
    () => compile(sequential(input([3, 2]), lstm(2, { kernelRegularizer: l2(0.01), recurrentRegularizer: l1(0.01), biasRegularizer: l1l2({ l1: 0.01, l2: 0.01 }) }), dense(1))),
  ],
  [
    "l2 on a free-standing weight",
    () => {
      const x = input([4]);
      return compile(model({ inputs: x, outputs: matmul(x, param([4, 2], "glorotUniform", { regularizer: l2(0.05) })) }));
    },
  ],
];

// Masks (embedding maskZero): each case's int32 ids are paddedIds, batch 4: one example pre-padded,
// one without padding, one all padding and one with zeros scattered. Per-step outputs take the
// masked loss (Keras' apply_mask: the mean over the unpadded steps).
const masked = () => embedding(6, 3, { maskZero: true });
const ids = (steps = 4) => input([steps], { dtype: "int32" });
const MASKED: CaseOptions = { vocabulary: 6, padded: true, batch: 4 };

const MASKS: readonly Case[] = [
  ["simpleRNN, last step", () => compile(sequential(ids(), masked(), simpleRNN(3), dense(2))), MASKED],
  ["simpleRNN every step, a dense layer per step, masked loss", () => compile(sequential(ids(), masked(), simpleRNN(3, { returnSequences: true }), dense(2))), MASKED],
  ["lstm, last step", () => compile(sequential(ids(), masked(), lstm(2), dense(2, "softmax")), "categoricalCrossentropy"), MASKED],
  ["lstm every step, sparse categorical cross-entropy per step", () => compile(sequential(ids(), masked(), lstm(2, { returnSequences: true }), dense(3, "softmax")), "sparseCategoricalCrossentropy"), MASKED],
  ["gru (resetAfter), every step", () => compile(sequential(ids(), masked(), gru(2, { returnSequences: true }), dense(2, "sigmoid")), "binaryCrossentropy"), MASKED],
  ["gru without resetAfter, last step", () => compile(sequential(ids(), masked(), gru(3, { resetAfter: false }), dense(2))), MASKED],
  ["gru without resetAfter, every step", () => compile(sequential(ids(), masked(), gru(2, { resetAfter: false, returnSequences: true }), dense(2))), MASKED],
  ...(["concat", "sum", "mul", "ave"] as const).map(
    (mergeMode): Case => [
      `bidirectional lstm every step (padded steps output zeros), ${mergeMode}`,
      () => compile(sequential(ids(), masked(), bidirectional(lstm(2, { returnSequences: true }), { mergeMode }), dense(3, "softmax")), "sparseCategoricalCrossentropy"),
      MASKED,
    ],
  ),
  ["bidirectional gru, last step, concat", () => compile(sequential(ids(), masked(), bidirectional(gru(2)), dense(2))), MASKED],
  ["bidirectional simpleRNN, last step, ave", () => compile(sequential(ids(), masked(), bidirectional(simpleRNN(2), { mergeMode: "ave" }), dense(2))), MASKED],
  [
    "goBackwards: simpleRNN every step, then lstm and gru",
    () => compile(sequential(ids(), masked(), simpleRNN(2, { goBackwards: true, returnSequences: true }), lstm(2, { goBackwards: true, returnSequences: true }), gru(2, { goBackwards: true }), dense(2))),
    MASKED,
  ],
  ["goBackwards lstm every step, per-step loss", () => compile(sequential(ids(), masked(), lstm(2, { goBackwards: true, returnSequences: true }), dense(2))), MASKED],
  [
    "stacked simpleRNN -> lstm -> bidirectional gru, every step",
    () => compile(sequential(ids(5), masked(), simpleRNN(2, { returnSequences: true }), lstm(2, { returnSequences: true }), bidirectional(gru(2, { returnSequences: true })), dense(2))),
    MASKED,
  ],
  ["dense layers per position, no recurrent layer", () => compile(sequential(ids(), masked(), dense(3, "tanh"), dense(2))), MASKED],
];

describe("gradient check: ops and layers", () => {
  for (const [name, make, options] of OPS) it(name, () => expectGradientsMatch(name, make, options));
});

describe("gradient check: losses", () => {
  for (const [name, make, options] of LOSSES) it(name, () => expectGradientsMatch(name, make, options));
});

describe("gradient check: masks", () => {
  for (const [name, make, options] of MASKS) it(name, () => expectGradientsMatch(name, make, options));
});

describe("gradient check: regularisers", () => {
  for (const [name, make, options] of REGULARIZERS) it(name, () => expectGradientsMatch(name, make, options));
});
