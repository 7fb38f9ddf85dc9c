import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import {
  activation,
  batchNormalization,
  dense,
  embedding,
  flatten,
  input,
  layerNormalization,
  sequential,
  sgd,
} from "typegrad/dsl";
import { seededRandom } from "../support/random-data";
import {
  binaryLabels,
  expectParity,
  floats,
  maxAbsDiff,
  oneHot,
  runParity,
  STEPS,
  useTfjsCpu,
  WEIGHT_TOLERANCE,
  type ParityCase,
  type ParityResult,
  type TypegradNet,
} from "../support/tfjs-parity";

// Parity of the generated kernels for Embedding, BatchNormalization and LayerNormalization against
// TensorFlow.js layers (4.22, 'cpu' backend, float32). Both libraries start from typegrad's initial
// weights (the normalisation layers' gamma, beta and moving statistics moved off their ones/zeros
// start so every term counts), train three steps with trainOnBatch on the same batch and plain or
// momentum SGD, then predict at inference. Compared: the loss of each step, the predictions and
// every weight, moving mean and variance included.
//
// Tolerances are ABSOLUTE: predictions (softmax / sigmoid outputs in [0, 1]) within 1e-5; weights
// (all of magnitude about 1 or below) within 5e-5.
//
// Where the two libraries line up (checked in tfjs-layers 4.22's source):
// - Weight order: TF.js `model.getWeights()` lists every trainable weight before every
//   non-trainable one (BN's moving stats go last), unlike Keras; so weights are exchanged layer by
//   layer, where TF.js' order is Keras' (kernel, bias; gamma, beta, moving_mean, moving_variance),
//   and each name is checked.
// - SGD with momentum: TF.js' tf.train.momentum keeps a = m*a + g and does w -= lr*a; Keras 3's
//   v = m*v - lr*g, w += v is the same with v = -lr*a (a constant learning rate), up to float32
//   rounding. Adam is not used: TF.js adds epsilon to the bias-corrected root, Keras 3 uses
//   "epsilon hat".
// - BatchNormalization in training: TF.js normalises with the batch mean and biased variance
//   (tf.moments) and updates moving = moving - (moving - batch_stat) * (1 - momentum) with that same
//   biased variance: Keras 3's rule. Defaults (momentum 0.99, epsilon 1e-3) agree, but the TF.js
//   side is given Keras 3's values explicitly. As the moving statistics are the quantity most easily
//   got wrong by both (Keras 2's fused kernel used the unbiased variance), they are also checked
//   against the Keras 3 formula in float64 over the BN layer's input at each step.
// - LayerNormalization: epsilon default 1e-3 in both (Keras 3's); given explicitly to TF.js.
// Not covered: TF.js' BatchNormalization cannot train with center or scale false (its training
// path reads this.gamma / this.beta unconditionally), so those variants have no peer here.

/** The TF.js layers that own weights, in model order (each one's weights in Keras order). */
function weightedLayers(model: tfl.Sequential): tfl.layers.Layer[] {
  return model.layers.filter((layer) => layer.weights.length > 0);
}

/** Loads typegrad's weights (Keras order) into the TF.js model, layer by layer, checking names and shapes. */
function loadIntoTfjs(model: tfl.Sequential, net: TypegradNet, weights: readonly Float32Array[]): void {
  const params = net.spec.params;
  let k = 0;
  for (const layer of weightedLayers(model)) {
    const values = layer.weights.map((variable) => {
      const param = params[k]!;
      const suffix = variable.name.slice(variable.name.lastIndexOf("/") + 1);
      expect(param.name.endsWith(`_${suffix}`), `${param.name} against TF.js ${variable.name}`).toBe(true);
      expect([...param.shape]).toEqual(variable.shape);
      return tf.tensor(weights[k++]!, [...param.shape], "float32");
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
  expect(k).toBe(params.length);
}

/** The TF.js model's weights in Keras order (layer by layer). */
function tfjsWeights(model: tfl.Sequential): Float32Array[] {
  return weightedLayers(model).flatMap((layer) => layer.getWeights().map((w) => Float32Array.from(w.dataSync())));
}

/**
 * Both sides start from typegrad's initial weights, moved off their defaults by `adjust` (called
 * with typegrad's parameter name), exchanged layer by layer.
 */
function runLayerParity(c: ParityCase & { readonly adjust?: (name: string, values: Float32Array) => void }): Promise<ParityResult> {
  return runParity(c, (net, model) => {
    const names = net.spec.params.map((p) => p.name);
    const initial = net.getWeights();
    if (c.adjust) initial.forEach((w, i) => c.adjust!(names[i]!, w));
    net.setWeights(initial);
    loadIntoTfjs(model, net, initial);
    return () => tfjsWeights(model);
  });
}

/** Parity within the tolerances, and every weight of the layer under test moved well past them. */
function expectLayerParity(result: ParityResult, layerWeights: readonly string[]): void {
  expectParity(result, { moved: layerWeights, moderateStart: false });
}

/** gamma, beta and the moving statistics away from ones / zeros / ones (deterministic). */
function perturbNormalization(name: string, values: Float32Array): void {
  const shift = (f: (i: number) => number) => values.forEach((_, i) => (values[i] = Math.fround(f(i))));
  if (name.endsWith("_gamma")) shift((i) => 1 + 0.2 * Math.sin(i + 1));
  else if (name.endsWith("_beta")) shift((i) => 0.1 * Math.cos(2 * i + 1));
  else if (name.endsWith("_moving_mean")) shift((i) => 0.3 * Math.sin(3 * i + 2));
  else if (name.endsWith("_moving_variance")) shift((i) => 0.8 + 0.5 * Math.abs(Math.cos(i + 0.5)));
}

/**
 * Keras 3's moving statistics in float64, for BN after a bias-free dense layer on the input:
 * at each step z = x @ kernel (the kernel before that step, every leading axis folded into rows),
 * mean and BIASED variance of each feature over those rows, moving = moving * m + stat * (1 - m).
 */
function kerasMovingStats(result: ParityResult, x: readonly number[], kernel: string, bn: string, momentum: number) {
  const k = result.names.indexOf(kernel);
  const mm = result.names.indexOf(`${bn}_moving_mean`);
  const mv = result.names.indexOf(`${bn}_moving_variance`);
  const units = result.history[0]![mm]!.length;
  const features = result.history[0]![k]!.length / units;
  const rows = x.length / features;
  const mean = Float64Array.from(result.history[0]![mm]!);
  const variance = Float64Array.from(result.history[0]![mv]!);
  for (let step = 0; step < STEPS; step++) {
    const w = result.history[step]![k]!;
    for (let u = 0; u < units; u++) {
      const z = Array.from({ length: rows }, (_, r) => {
        let s = 0;
        for (let f = 0; f < features; f++) s += x[r * features + f]! * w[f * units + u]!;
        return s;
      });
      const mu = z.reduce((a, b) => a + b, 0) / rows;
      const biased = z.reduce((a, b) => a + (b - mu) ** 2, 0) / rows;
      mean[u] = mean[u]! * momentum + mu * (1 - momentum);
      variance[u] = variance[u]! * momentum + biased * (1 - momentum);
    }
  }
  return { mean, variance, typegrad: [result.history[STEPS]![mm]!, result.history[STEPS]![mv]!], tfjs: [result.tfjsFinal[mm]!, result.tfjsFinal[mv]!] };
}

useTfjsCpu();

describe("parity with TensorFlow.js: Embedding", () => {
  it("ids -> embedding -> flatten -> dense softmax, categorical cross-entropy, SGD", async () => {
    const T = 5, V = 20, D = 4, C = 3, B = 6;
    // Ids in [0, 15): rows 15..19 get no gradient and must stay exactly as they were.
    const next = seededRandom(11);
    const ids = Array.from({ length: B * T }, () => Math.floor(next() * 15));
    const result = await runLayerParity({
      typegrad: sequential(input([T], { dtype: "int32" }), embedding(V, D), flatten(), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfl.layers.embedding({ inputDim: V, outputDim: D, inputShape: [T] }), tfl.layers.flatten(), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T],
      dtype: "int32",
      x: ids,
      y: oneHot(B, C, 12),
    });
    expectLayerParity(result, ["embedding_embeddings", "dense_kernel", "dense_bias"]);
    const table = result.names.indexOf("embedding_embeddings");
    const [before, after] = [result.history[0]![table]!, result.history[STEPS]![table]!];
    expect(after.subarray(15 * D)).toEqual(before.subarray(15 * D));
    expect(result.tfjsFinal[table]!.subarray(15 * D)).toEqual(before.subarray(15 * D));
  });

  it("repeated ids within an example and across the batch accumulate (scatter-add), momentum SGD", async () => {
    const T = 6, V = 8, D = 3, B = 4;
    // Id 3 appears 16 times (up to 6 in one example), 5 and 1 several times; 2, 4, 6, 7 never.
    const ids = [
      [3, 3, 3, 1, 3, 5],
      [3, 5, 5, 3, 0, 3],
      [1, 3, 3, 3, 3, 3],
      [5, 0, 3, 1, 1, 3],
    ].flat();
    const result = await runLayerParity({
      typegrad: sequential(input([T], { dtype: "int32" }), embedding(V, D), flatten(), dense(4, "tanh"), dense(2, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }),
      }),
      tfjsLayers: () => [
        tfl.layers.embedding({ inputDim: V, outputDim: D, inputShape: [T] }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4, activation: "tanh" }),
        tfl.layers.dense({ units: 2, activation: "softmax" }),
      ],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.3, 0.9),
      exampleShape: [T],
      dtype: "int32",
      x: ids,
      y: [[1, 0], [0, 1], [0, 1], [1, 0]],
    });
    expectLayerParity(result, ["embedding_embeddings"]);
    const table = result.names.indexOf("embedding_embeddings");
    const [before, after] = [result.history[0]![table]!, result.history[STEPS]![table]!];
    const rowMoved = (id: number) => maxAbsDiff(before.subarray(id * D, (id + 1) * D), after.subarray(id * D, (id + 1) * D));
    expect(rowMoved(3)).toBeGreaterThan(1e-3);
    for (const id of [2, 4, 6, 7]) expect(rowMoved(id), `row ${id}`).toBe(0);
  });
});

describe("parity with TensorFlow.js: BatchNormalization", () => {
  it("dense (no bias) -> BN -> relu -> dense sigmoid, binary cross-entropy, momentum SGD, BN momentum 0.9", async () => {
    const F = 6, H = 8, B = 10;
    const x = floats(B * F, 21, 1.5);
    const result = await runLayerParity({
      typegrad: sequential(
        input([F]),
        dense(H, { useBias: false }),
        batchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
        activation("relu"),
        dense(1, "sigmoid"),
      ).compile({ loss: "binaryCrossentropy", optimizer: sgd({ learningRate: 0.2, momentum: 0.9 }) }),
      tfjsLayers: () => [
        tfl.layers.dense({ units: H, useBias: false, inputShape: [F] }),
        tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
        tfl.layers.activation({ activation: "relu" }),
        tfl.layers.dense({ units: 1, activation: "sigmoid" }),
      ],
      loss: "binaryCrossentropy",
      optimizer: () => tf.train.momentum(0.2, 0.9),
      exampleShape: [F],
      dtype: "float32",
      x,
      y: binaryLabels(B),
      adjust: perturbNormalization,
    });
    const bn = "batch_normalization";
    expectLayerParity(result, ["dense_kernel", `${bn}_gamma`, `${bn}_beta`, `${bn}_moving_mean`, `${bn}_moving_variance`]);
    const keras = kerasMovingStats(result, x, "dense_kernel", bn, 0.9);
    for (const side of [keras.typegrad, keras.tfjs]) {
      expect(maxAbsDiff(side[0]!, keras.mean)).toBeLessThan(WEIGHT_TOLERANCE);
      expect(maxAbsDiff(side[1]!, keras.variance)).toBeLessThan(WEIGHT_TOLERANCE);
    }
  });

  it("rank-2 input [T, F]: BN normalises each feature over batch and time (Keras 3 defaults)", async () => {
    const T = 4, F = 3, H = 5, B = 6;
    const x = floats(B * T * F, 31, 2);
    const result = await runLayerParity({
      typegrad: sequential(
        input([T, F]),
        dense(H, { useBias: false }),
        batchNormalization(),
        activation("tanh"),
        flatten(),
        dense(1, "sigmoid"),
      ).compile({ loss: "binaryCrossentropy", optimizer: sgd({ learningRate: 0.5 }) }),
      tfjsLayers: () => [
        tfl.layers.dense({ units: H, useBias: false, inputShape: [T, F] }),
        tfl.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 }),
        tfl.layers.activation({ activation: "tanh" }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 1, activation: "sigmoid" }),
      ],
      loss: "binaryCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x,
      y: binaryLabels(B),
      adjust: perturbNormalization,
    });
    const bn = "batch_normalization";
    expectLayerParity(result, [`${bn}_gamma`, `${bn}_beta`, `${bn}_moving_mean`, `${bn}_moving_variance`]);
    const keras = kerasMovingStats(result, x, "dense_kernel", bn, 0.99);
    for (const side of [keras.typegrad, keras.tfjs]) {
      expect(maxAbsDiff(side[0]!, keras.mean)).toBeLessThan(WEIGHT_TOLERANCE);
      expect(maxAbsDiff(side[1]!, keras.variance)).toBeLessThan(WEIGHT_TOLERANCE);
    }
  });
});

describe("parity with TensorFlow.js: LayerNormalization", () => {
  it("dense -> LN -> relu -> dense softmax, categorical cross-entropy, momentum SGD", async () => {
    const F = 6, H = 8, C = 3, B = 8;
    const result = await runLayerParity({
      typegrad: sequential(input([F]), dense(H), layerNormalization({ epsilon: 1e-3 }), activation("relu"), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }),
      }),
      tfjsLayers: () => [
        tfl.layers.dense({ units: H, inputShape: [F] }),
        tfl.layers.layerNormalization({ epsilon: 1e-3 }),
        tfl.layers.activation({ activation: "relu" }),
        tfl.layers.dense({ units: C, activation: "softmax" }),
      ],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.3, 0.9),
      exampleShape: [F],
      dtype: "float32",
      x: floats(B * F, 41, 1.5),
      y: oneHot(B, C, 42),
      adjust: perturbNormalization,
    });
    expectLayerParity(result, ["dense_kernel", "dense_bias", "layer_normalization_gamma", "layer_normalization_beta"]);
  });

  it("rank-2 input [T, F]: LN over each position's features (Keras 3 default epsilon)", async () => {
    const T = 4, F = 5, C = 2, B = 6;
    const result = await runLayerParity({
      typegrad: sequential(input([T, F]), layerNormalization(), flatten(), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfl.layers.layerNormalization({ epsilon: 1e-3, inputShape: [T, F] }), tfl.layers.flatten(), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      // Small per-position spread, so epsilon matters in the normalisation.
      x: floats(B * T * F, 51, 0.1),
      y: oneHot(B, C, 52),
      adjust: perturbNormalization,
    });
    expectLayerParity(result, ["layer_normalization_gamma", "layer_normalization_beta"]);
  });
});
