import { describe, expect, it } from "vitest";
import {
  batchNormalization,
  concatenate,
  dense,
  dropout,
  embedding,
  input,
  l1l2,
  layerNormalization,
  lstm,
  mean,
  model,
  reshape,
  sequential,
  simpleRNN,
  softmax,
  sum,
  type LossName,
} from "typegrad/dsl";
import { forward, gradients, lossValue } from "../../codegen/interpreter";

// Forward semantics against numbers worked out by hand (Keras 3 formulas).

const f64 = (...xs: number[]) => Float64Array.from(xs);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const expectClose = (actual: ArrayLike<number>, expected: readonly number[]) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 12));
};
const inference = { training: false };

describe("interpreter: forward values", () => {
  it("dropout: kept units scaled by 1/(1 - rate) in training, identity at inference", () => {
    const ir = sequential(input([4]), dropout(0.25)).compile({ loss: "meanSquaredError" }).ir;
    const x = f64(1, 2, 3, 4, 5, 6, 7, 8);
    const mask = f64(1, 0, 1, 1, 0, 1, 1, 0);
    const training = forward(ir, new Map(), [x], 2, { training: true, dropoutMasks: new Map([["dropout_out", mask]]) });
    expectClose(training.get("dropout_out")!, [4 / 3, 0, 4, 16 / 3, 0, 8, 28 / 3, 0]);
    expectClose(forward(ir, new Map(), [x], 2, inference).get("dropout_out")!, [...x]);
    expect(() => forward(ir, new Map(), [x], 2, { training: true })).toThrow(/dropout node "dropout_out" needs a keep-mask/);
  });

  it("batchNormalization in training: batch mean, biased variance, moving statistics updated with momentum", () => {
    const ir = sequential(input([2]), batchNormalization({ momentum: 0.9, epsilon: 0.01 })).compile({ loss: "meanSquaredError" }).ir;
    const params = new Map([
      ["batch_normalization_gamma", f64(2, 1)],
      ["batch_normalization_beta", f64(0.5, 0)],
      ["batch_normalization_moving_mean", f64(0, 1)],
      ["batch_normalization_moving_variance", f64(1, 2)],
    ]);
    // Channel 0: 1, 3 -> mean 2, variance 1; channel 1: 2, 6 -> mean 4, variance 4.
    const x = f64(1, 2, 3, 6);
    const { values, stateUpdates } = gradients(ir, params, [x], f64(0, 0, 0, 0), 2, { training: true });
    const [s0, s1] = [Math.sqrt(1.01), Math.sqrt(4.01)];
    expectClose(values.get("batch_normalization_out")!, [2 * (-1 / s0) + 0.5, -2 / s1, 2 * (1 / s0) + 0.5, 2 / s1]);
    expectClose(stateUpdates.get("batch_normalization_moving_mean")!, [0 * 0.9 + 2 * 0.1, 1 * 0.9 + 4 * 0.1]);
    expectClose(stateUpdates.get("batch_normalization_moving_variance")!, [1 * 0.9 + 1 * 0.1, 2 * 0.9 + 4 * 0.1]);
    // Inference: the moving statistics, no update.
    const atInference = forward(ir, params, [x], 2, inference).get("batch_normalization_out")!;
    expectClose(atInference, [2 * (1 / Math.sqrt(1.01)) + 0.5, 1 / Math.sqrt(2.01), 2 * (3 / Math.sqrt(1.01)) + 0.5, 5 / Math.sqrt(2.01)]);
  });

  it("layerNormalization: each example over its last axis, biased variance, then gamma and beta", () => {
    const ir = sequential(input([2, 2]), layerNormalization({ epsilon: 0.01 })).compile({ loss: "meanSquaredError" }).ir;
    const params = new Map([
      ["layer_normalization_gamma", f64(1, 3)],
      ["layer_normalization_beta", f64(0, 1)],
    ]);
    // Vectors [1, 3] and [5, 5]: means 2 and 5, variances 1 and 0.
    const out = forward(ir, params, [f64(1, 3, 5, 5)], 1, inference).get("layer_normalization_out")!;
    const s = Math.sqrt(1.01);
    expectClose(out, [-1 / s, 3 / s + 1, 0, 1]);
  });

  it("simpleRNN: h_t = tanh(x_t K + h_{t-1} R + b), h_0 = 0, last step or every step", () => {
    const build = (returnSequences: boolean) =>
      sequential(input([2, 1]), simpleRNN(1, { returnSequences })).compile({ loss: "meanSquaredError" }).ir;
    const params = new Map([
      ["simple_rnn_kernel", f64(0.5)],
      ["simple_rnn_recurrent_kernel", f64(-0.3)],
      ["simple_rnn_bias", f64(0.1)],
    ]);
    const h1 = Math.tanh(0.5 * 1 + 0.1);
    const h2 = Math.tanh(0.5 * 2 - 0.3 * h1 + 0.1);
    expectClose(forward(build(false), params, [f64(1, 2)], 1, inference).get("simple_rnn_out")!, [h2]);
    expectClose(forward(build(true), params, [f64(1, 2)], 1, inference).get("simple_rnn_out")!, [h1, h2]);
  });

  it("lstm: gates i, f, c, o in the kernel's columns; c = f c + i tanh(z_c); h = o tanh(c)", () => {
    const ir = sequential(input([2, 1]), lstm(1)).compile({ loss: "meanSquaredError" }).ir;
    const params = new Map([
      ["lstm_kernel", f64(0.1, 0.2, 0.3, 0.4)],
      ["lstm_recurrent_kernel", f64(0.5, -0.6, 0.7, -0.8)],
      ["lstm_bias", f64(0, 1, 0, 0)],
    ]);
    let [h, c] = [0, 0];
    for (const x of [1, -2]) {
      const z = [0.1 * x + 0.5 * h, 0.2 * x - 0.6 * h + 1, 0.3 * x + 0.7 * h, 0.4 * x - 0.8 * h];
      c = sigmoid(z[1]!) * c + sigmoid(z[0]!) * Math.tanh(z[2]!);
      h = sigmoid(z[3]!) * Math.tanh(c);
    }
    expectClose(forward(ir, params, [f64(1, -2)], 1, inference).get("lstm_out")!, [h]);
  });

  it("embedding: gathers table rows by id; ids outside [0, inputDim) throw", () => {
    const ir = sequential(input([3], { dtype: "int32" }), embedding(3, 2)).compile({ loss: "meanSquaredError" }).ir;
    const params = new Map([["embedding_embeddings", f64(0, 1, 10, 11, 20, 21)]]);
    expectClose(forward(ir, params, [Int32Array.of(2, 0, 2)], 1, inference).get("embedding_out")!, [20, 21, 0, 1, 20, 21]);
    expect(() => forward(ir, params, [Int32Array.of(0, 3, 1)], 1, inference)).toThrow(/token id 3 is outside \[0, 3\)/);
    expect(() => forward(ir, params, [Int32Array.of(0, -1, 1)], 1, inference)).toThrow(/token id -1/);
  });

  it("concatenate along the last axis, then softmax over it", () => {
    const a = input([2, 3]);
    const b = input([2, 1]);
    const joined = concatenate(a, b);
    const ir = model({ inputs: [a, b], outputs: softmax(joined) }).compile({ loss: "meanSquaredError" }).ir;
    const values = forward(ir, new Map(), [f64(1, 2, 3, 4, 5, 6), f64(7, 8)], 1, inference);
    const concatId = ir.nodes.find((n) => n.op === "concatenate")!.id;
    expectClose(values.get(concatId)!, [1, 2, 3, 7, 4, 5, 6, 8]);
    const softmaxOf = (xs: number[]) => xs.map((v) => Math.exp(v) / xs.reduce((s, w) => s + Math.exp(w), 0));
    expectClose(values.get(ir.outputs[0]!)!, [...softmaxOf([1, 2, 3, 7]), ...softmaxOf([4, 5, 6, 8])]);
  });

  it("sum and mean along an axis and over the whole example; reshape keeps the data", () => {
    const x = input([2, 3]);
    const parts = [sum(x, 0), mean(x, -1), reshape(sum(x), [1]), reshape(mean(x), [1]), reshape(x, [6])] as const;
    const ir = model({ inputs: x, outputs: concatenate(...parts) }).compile({ loss: "meanSquaredError" }).ir;
    const out = forward(ir, new Map(), [f64(1, 2, 3, 4, 5, 6, 0, 0, 0, 1, 1, 1)], 2, inference).get(ir.outputs[0]!)!;
    expectClose(out.subarray(0, 13), [5, 7, 9, 2, 5, 21, 3.5, 1, 2, 3, 4, 5, 6]);
    expectClose(out.subarray(13), [1, 1, 1, 0, 1, 3, 0.5, 0, 0, 0, 1, 1, 1]);
  });
});

describe("interpreter: losses and regularisation", () => {
  const lossOf = (loss: LossName, width: number, p: number[], y: number[], batch: number) => {
    const ir = sequential(input([width]), dropout(0.5)).compile({ loss }).ir;
    return lossValue(ir, new Map([["dropout_out", f64(...p)]]), f64(...y), batch, new Map());
  };

  it("meanSquaredError and meanAbsoluteError average over outputs and batch", () => {
    expect(lossOf("meanSquaredError", 2, [1, 2, 3, 5], [0, 0, 3, 3], 2)).toBeCloseTo((1 + 4 + 0 + 4) / 4, 14);
    expect(lossOf("meanAbsoluteError", 2, [1, 2, 3, 5], [0, 0, 3, 3], 2)).toBeCloseTo((1 + 2 + 0 + 2) / 4, 14);
  });

  it("binaryCrossentropy clips probabilities to [1e-7, 1 - 1e-7]", () => {
    const bce = (p: number, y: number) => -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
    expect(lossOf("binaryCrossentropy", 2, [0.2, 1], [0, 0], 1)).toBeCloseTo((bce(0.2, 0) + bce(1 - 1e-7, 0)) / 2, 12);
  });

  it("categoricalCrossentropy normalises p by its sum, then -sum(y log p) per vector, mean over the rest", () => {
    const expected = (-Math.log(2 / 4) - (0.5 * Math.log(1 / 4) + 0.5 * Math.log(3 / 4))) / 2;
    expect(lossOf("categoricalCrossentropy", 2, [2, 2, 1, 3], [1, 0, 0.5, 0.5], 2)).toBeCloseTo(expected, 14);
  });

  it("sparseCategoricalCrossentropy takes class ids, checked against the output width", () => {
    const expected = (-Math.log(0.7) - Math.log(0.4)) / 2;
    expect(lossOf("sparseCategoricalCrossentropy", 2, [0.3, 0.7, 0.4, 0.6], [1, 0], 2)).toBeCloseTo(expected, 14);
    expect(() => lossOf("sparseCategoricalCrossentropy", 2, [0.3, 0.7, 0.4, 0.6], [1, 2], 2)).toThrow(/class id 2 \(target 1\) is outside \[0, 2\)/);
    expect(() => lossOf("sparseCategoricalCrossentropy", 2, [0.3, 0.7, 0.4, 0.6], [1, 0, 1], 2)).toThrow(/expected 2 class ids/);
  });

  it("regularisation adds l1 * sum|w| + l2 * sum w^2 once, not divided by the batch", () => {
    const ir = sequential(input([2]), dense(1, { useBias: false, kernelRegularizer: l1l2({ l1: 0.1, l2: 0.2 }) })).compile({ loss: "meanSquaredError" }).ir;
    const params = new Map([["dense_kernel", f64(3, -4)]]);
    const x = f64(1, 0, 0, 1);
    const values = forward(ir, params, [x], 2, inference);
    const mse = ((3 - 1) ** 2 + (-4 - 1) ** 2) / 2;
    expect(lossValue(ir, values, f64(1, 1), 2, params)).toBeCloseTo(mse + 0.1 * 7 + 0.2 * 25, 12);
    expect(gradients(ir, params, [x], f64(1, 1), 2, inference).grads.get("dense_kernel")![0]).toBeCloseTo(2 + 0.1 + 0.4 * 3, 12);
  });
});

describe("interpreter: gradients()", () => {
  it("throws, naming the node, when trainable weights feed a step", () => {
    const ir = sequential(input([2]), dense(2, { activation: "step" }), dense(1)).compile({ loss: "meanSquaredError" }).ir;
    const params = new Map([
      ["dense_kernel", f64(1, 2, 3, 4)],
      ["dense_bias", f64(0, 0)],
      ["dense_1_kernel", f64(1, 1)],
      ["dense_1_bias", f64(0)],
    ]);
    expect(() => gradients(ir, params, [f64(1, 1)], f64(1), 1, inference)).toThrow(/node "dense_out" \(layer dense\) is a step function/);
  });

  it("leaves frozen weights out and sums the gradients of a shared layer", () => {
    const shared = dense(1, { useBias: false });
    const a = input([1]);
    const b = input([1]);
    const frozen = dense(1, { useBias: false, trainable: false, kernel: [[2], [3]] });
    const { ir } = model({ inputs: [a, b], outputs: frozen(concatenate(shared(a), shared(b))) }).compile({ loss: "meanSquaredError" });
    const [sharedKernel, frozenKernel] = ir.params.map((p) => p.name);
    const params = new Map([
      [sharedKernel!, f64(0.5)],
      [frozenKernel!, f64(2, 3)],
    ]);
    // pred = 2 w a + 3 w b; dL/dw = 2 (pred - y) (2 a + 3 b).
    const { grads, loss } = gradients(ir, params, [f64(1), f64(-2)], f64(1), 1, inference);
    const pred = 2 * 0.5 * 1 + 3 * 0.5 * -2;
    expect(loss).toBeCloseTo((pred - 1) ** 2, 14);
    expect([...grads.keys()]).toEqual([sharedKernel]);
    expect(grads.get(sharedKernel!)![0]).toBeCloseTo(2 * (pred - 1) * (2 * 1 + 3 * -2), 12);
  });
});

describe("interpreter: bad arguments", () => {
  const ir = sequential(input([2]), dense(1), dropout(0.5)).compile({ loss: "meanSquaredError" }).ir;
  const params = new Map([
    ["dense_kernel", f64(1, 2)],
    ["dense_bias", f64(0)],
  ]);

  it("names what is wrong with the inputs, the weights, the batch and the masks", () => {
    expect(() => forward(ir, params, [], 1, inference)).toThrow(/the model has 1 inputs, got 0/);
    expect(() => forward(ir, params, [f64(1, 2, 3)], 2, inference)).toThrow(/input 0 \("input", shape \[2\]\) needs 4 numbers for batch 2, got 3/);
    expect(() => forward(ir, new Map([["dense_kernel", f64(1, 2)]]), [f64(1, 2)], 1, inference)).toThrow(/no value for weight "dense_bias"/);
    expect(() => forward(ir, new Map([...params, ["dense_bias", f64(0, 0)]]), [f64(1, 2)], 1, inference)).toThrow(/"dense_bias" of shape \[1\] needs 1 numbers, got 2/);
    expect(() => forward(ir, params, [f64(1, 2)], 0, inference)).toThrow(/batch must be a positive integer, got 0/);
    const badMask = { training: true, dropoutMasks: new Map([["dropout_out", f64(1, 1)]]) };
    expect(() => forward(ir, params, [f64(1, 2)], 1, badMask)).toThrow(/mask of dropout node "dropout_out" needs 1 numbers, got 2/);
    const notBinary = { training: true, dropoutMasks: new Map([["dropout_out", f64(0.5)]]) };
    expect(() => forward(ir, params, [f64(1, 2)], 1, notBinary)).toThrow(/must hold only 0 and 1/);
    expect(() => gradients(ir, params, [f64(1, 2)], f64(1, 2), 1, inference)).toThrow(/meanSquaredError: expected 1 targets \(batch 1\), got 2/);
  });

  it("refuses a model without a loss", () => {
    const uncompiled = sequential(input([2]), dense(1)).toIR();
    expect(() => lossValue(uncompiled, new Map(), f64(1), 1, new Map())).toThrow(/is not compiled/);
  });
});
