import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { dense, gru, input, sequential, sgd, type CompiledModel } from "typegrad/dsl";
import { liveModel } from "../support/live-model";
import { seededRandom } from "../support/random-data";

// Parity of the generated gru kernels (forward and backpropagation through time) WITHOUT resetAfter
// against TensorFlow.js layers (4.22, 'cpu' backend, float32), in the manner of
// tfjs-parity-recurrent.test.ts: both libraries start from the SAME EXPLICIT weights (seeded,
// moderate: nothing saturates), train three steps with trainOnBatch on one batch and plain or
// momentum SGD, then predict. Compared: the loss of each step, the predictions and every weight.
// (gru with resetAfter, Keras 3's default, is held to PyTorch in torch-parity-gru.test.ts.)
//
// Tolerances are ABSOLUTE: predictions (softmax / sigmoid outputs in [0, 1]) within 1e-5; weights
// (all of magnitude about 1 or below) within 5e-5; every weight must have moved by more than 1e-3,
// so the test cannot pass by leaving weights alone.
//
// Where the two libraries line up (checked in tfjs-layers 4.22's dist/layers/recurrent.js):
// - TF.js' GRUCell has no resetAfter form: its constructor throws "GRUCell does not support
//   reset_after parameter set to true" (GRULayerArgs does not even declare the option), and its
//   getConfig reports resetAfter false. So only typegrad's `resetAfter: false` has a peer here.
// - Weights: GRUCell.build adds kernel [F, 3U], recurrent_kernel [U, 3U] and (useBias) bias [3U],
//   in that order: Keras' names, order and layout (Keras 2's resetAfter-false bias is one row), and
//   typegrad's. GRUCell.call computes x·K + b, splits it into three equal blocks along the last axis
//   as xZ, xR, xH; splits R into its first 2U columns (rk1) and last U (rk2); z = rec(xZ + h·rk1_z),
//   r = rec(xR + h·rk1_r), hh = act(xH + (r ⊙ h)·rk2), h = z ⊙ h + (1 − z) ⊙ hh. That is Keras'
//   gate order z, r, h and the resetAfter-false cell, the order of typegrad's columns: weights are
//   copied unchanged, but each one is paired explicitly by layer class, name and the shape computed
//   from F and U.
// - TF.js' GRU defaults are Keras 2's: recurrentActivation 'hardSigmoid' (Keras 3: sigmoid), kernel
//   initializer glorotNormal, recurrent initializer orthogonal (which needs the union package, see
//   NO_ORTHOGONAL). The TF.js side is given recurrentActivation 'sigmoid' and activation 'tanh'
//   explicitly; the initial values of both sides are overwritten with the same explicit weights
//   after both biases are checked to start at zero.
// - Both start from a zero state (h_0 = 0), run forward in time, no masking, no dropout.
// - SGD with momentum: TF.js' a = m·a + g, w -= lr·a equals Keras 3's v = m·v - lr·g, w += v with
//   v = -lr·a (constant learning rate), up to float32 rounding.

const PREDICTION_TOLERANCE = 1e-5;
const WEIGHT_TOLERANCE = 5e-5;
const LOSS_TOLERANCE = 1e-5;
const MOVED = 1e-3;
const STEPS = 3;

type TypegradNet = ReturnType<typeof liveModel>;
type Loss = "categoricalCrossentropy" | "binaryCrossentropy";

function floats(count: number, seed: number, scale = 1): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => Math.fround((2 * next() - 1) * scale));
}

function oneHot(batch: number, classes: number, seed: number): number[][] {
  const next = seededRandom(seed);
  return Array.from({ length: batch }, (_, b) => {
    const row = new Array<number>(classes).fill(0);
    row[(b + Math.floor(next() * classes)) % classes] = 1;
    return row;
  });
}

function binaryLabels(batch: number): number[][] {
  return Array.from({ length: batch }, (_, b) => [b % 3 === 0 ? 0 : b % 2]);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// ------------------------------------------------------------ weight mapping

/** The weights a TF.js layer of this class holds, in its order, with shapes from its input features. */
function expectedWeights(layer: tfl.layers.Layer, features: number): { suffix: string; shape: number[] }[] {
  const config = layer.getConfig();
  const units = config.units as number;
  switch (layer.getClassName()) {
    case "GRU":
      expect(config.resetAfter, "TF.js' GRU is the resetAfter-false cell").toBe(false);
      return [
        { suffix: "kernel", shape: [features, 3 * units] },
        { suffix: "recurrent_kernel", shape: [units, 3 * units] },
        ...(config.useBias === false ? [] : [{ suffix: "bias", shape: [3 * units] }]),
      ];
    case "Dense":
      return [{ suffix: "kernel", shape: [features, units] }, ...(config.useBias === false ? [] : [{ suffix: "bias", shape: [units] }])];
    default:
      throw new Error(`no weight mapping for TF.js ${layer.getClassName()}`);
  }
}

interface Pairing {
  /** typegrad's parameter index. */
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly tfjsClass: string;
  readonly suffix: string;
  readonly variable: tfl.LayerVariable;
}

/**
 * Pairs every typegrad parameter with its TF.js variable, layer by layer: same layer class (by the
 * typegrad layer's name), weight name `${layer}_${suffix}` against TF.js `.../${suffix}`, and the shape
 * the layer's configuration implies on both sides.
 */
function pairWeights(model: tfl.Sequential, net: TypegradNet): Pairing[] {
  const params = net.spec.params;
  const typegradLayer: Record<string, RegExp> = { GRU: /^gru(_\d+)?$/, Dense: /^dense(_\d+)?$/ };
  const pairs: Pairing[] = [];
  for (const layer of model.layers.filter((l) => l.weights.length > 0)) {
    const features = (layer.input as tfl.SymbolicTensor).shape.at(-1) as number;
    const expected = expectedWeights(layer, features);
    expect(layer.weights.map((v) => v.name.slice(v.name.lastIndexOf("/") + 1))).toEqual(expected.map((e) => e.suffix));
    layer.weights.forEach((variable, j) => {
      const { suffix, shape } = expected[j]!;
      const index = pairs.length;
      const param = params[index]!;
      expect(param, `no typegrad weight for TF.js ${variable.name}`).toBeDefined();
      expect(param.layer, `${param.name} against TF.js ${layer.getClassName()}`).toMatch(typegradLayer[layer.getClassName()]!);
      expect(param.name, `${param.name} against TF.js ${variable.name}`).toBe(`${param.layer}_${suffix}`);
      expect(variable.shape).toEqual(shape);
      expect([...param.shape]).toEqual(shape);
      pairs.push({ index, name: param.name, shape, tfjsClass: layer.getClassName(), suffix, variable });
    });
  }
  expect(pairs.length).toBe(params.length);
  return pairs;
}

/** Explicit, moderate starting weights (seeded): input kernels ±0.6, recurrent kernels ±0.5, biases ±0.2, dense ±0.6. */
function explicitWeights(pairs: readonly Pairing[], seed: number): Float32Array[] {
  return pairs.map((p, k) => {
    const count = p.shape.reduce((a, b) => a * b, 1);
    const scale = p.suffix === "recurrent_kernel" ? 0.5 : p.suffix === "bias" ? 0.2 : 0.6;
    return Float32Array.from(floats(count, seed + 101 * k, scale));
  });
}

// ------------------------------------------------------------ the run

interface ParityCase {
  readonly typegrad: CompiledModel;
  readonly tfjsLayers: () => tfl.layers.Layer[];
  readonly loss: Loss;
  readonly optimizer: () => tf.Optimizer;
  /** One example's shape, and the batch (flat, row-major). */
  readonly exampleShape: readonly number[];
  readonly x: readonly number[];
  /** Targets, one row per example (one-hot rows or 0/1 labels). */
  readonly y: readonly number[][];
  readonly seed: number;
}

interface ParityResult {
  readonly names: readonly string[];
  /** typegrad's weights before each step, and after the last. */
  readonly history: readonly Float32Array[][];
  readonly tfjsFinal: readonly Float32Array[];
  readonly lossDiff: number;
  readonly predictionDiff: number;
  readonly weightDiffs: ReadonlyMap<string, number>;
  /** typegrad's predictions before training (to check that nothing saturates). */
  readonly initialPredictions: readonly number[];
}

async function runParity(c: ParityCase): Promise<ParityResult> {
  const net = liveModel(c.typegrad);
  const names = net.spec.params.map((p) => p.name);
  const model = tfl.sequential({ layers: c.tfjsLayers() });
  model.compile({ loss: c.loss, optimizer: c.optimizer() });
  const pairs = pairWeights(model, net);

  // Both libraries start the GRU bias at zero (Keras' default).
  const own = net.getWeights();
  for (const p of pairs.filter((q) => q.tfjsClass === "GRU" && q.suffix === "bias")) {
    const zeros = new Float32Array(p.shape[0]!);
    expect(own[p.index], `typegrad's initial ${p.name}`).toEqual(zeros);
    expect(Float32Array.from(p.variable.read().dataSync()), `TF.js' initial ${p.variable.name}`).toEqual(zeros);
  }

  const initial = explicitWeights(pairs, c.seed);
  net.setWeights(initial);
  for (const p of pairs) {
    const value = tf.tensor(initial[p.index]!, [...p.shape], "float32");
    p.variable.write(value);
    value.dispose();
  }
  expect(net.getWeights()).toEqual(initial);
  pairs.forEach((p) => expect(Float32Array.from(p.variable.read().dataSync())).toEqual(initial[p.index]));

  const batch = c.y.length;
  const initialPredictions = net.predict(c.x, { batchSize: batch }).flat();
  const xs = tf.tensor(c.x as number[], [batch, ...c.exampleShape], "float32");
  const ys = tf.tensor2d(c.y as number[][]);
  const history: Float32Array[][] = [];
  let lossDiff = 0;
  for (let step = 0; step < STEPS; step++) {
    history.push(net.getWeights());
    const ours = net.trainOnBatch(c.x, c.y) as number;
    const theirs = (await model.trainOnBatch(xs, ys)) as number;
    lossDiff = Math.max(lossDiff, Math.abs(ours - theirs));
  }
  history.push(net.getWeights());

  const ours = net.predict(c.x, { batchSize: batch }).flat();
  const predicted = model.predict(xs) as tf.Tensor;
  const predictionDiff = maxAbsDiff(ours, predicted.dataSync());

  const tfjsFinal = pairs.map((p) => Float32Array.from(p.variable.read().dataSync()));
  const final = history[STEPS]!;
  const weightDiffs = new Map(names.map((name, i) => [name, maxAbsDiff(final[i]!, tfjsFinal[i]!)]));

  tf.dispose([xs, ys, predicted]);
  model.optimizer.dispose();
  model.dispose();
  if (process.env.TFJS_PARITY_REPORT) {
    console.log({ lossDiff, predictionDiff, weightDiffs: Object.fromEntries(weightDiffs) });
  }
  return { names, history, tfjsFinal, lossDiff, predictionDiff, weightDiffs, initialPredictions };
}

/** How far a weight moved in three steps (typegrad's side). */
function moved(result: ParityResult, name: string): number {
  const i = result.names.indexOf(name);
  expect(i, `no weight ${name} in ${result.names.join(", ")}`).toBeGreaterThanOrEqual(0);
  return maxAbsDiff(result.history[0]![i]!, result.history[STEPS]![i]!);
}

/** Parity within the tolerances, and every weight moved. */
function expectParity(result: ParityResult, expectedNames: readonly string[]): void {
  expect(result.names).toEqual(expectedNames);
  expect(result.lossDiff).toBeLessThan(LOSS_TOLERANCE);
  expect(result.predictionDiff).toBeLessThan(PREDICTION_TOLERANCE);
  for (const [name, diff] of result.weightDiffs) expect(diff, name).toBeLessThan(WEIGHT_TOLERANCE);
  for (const name of result.names) expect(moved(result, name), `${name} moved`).toBeGreaterThan(MOVED);
  // Moderate start: no output probability pinned at 0 or 1.
  for (const p of result.initialPredictions) {
    expect(p).toBeGreaterThan(0.02);
    expect(p).toBeLessThan(0.98);
  }
}

beforeAll(async () => {
  tf.env().set("PROD", true); // silences the "install tfjs-node" notice
  expect(await tf.setBackend("cpu")).toBe(true);
  await tf.ready();
  expect(tf.getBackend()).toBe("cpu");
});

/**
 * TF.js' default recurrent initialiser, orthogonal, calls Tensor.flatten(), a chained op that only
 * the union package @tensorflow/tfjs registers (tfjs-core alone does not): building the layer throws
 * "rMat.flatten is not a function". The initial values are overwritten anyway.
 */
const NO_ORTHOGONAL = "glorotUniform";

/** TF.js GRU with Keras 3's activations (sigmoid gates, tanh candidate); necessarily resetAfter false. */
function tfjsGru(args: { units: number; returnSequences?: boolean; useBias?: boolean; inputShape?: number[] }): tfl.layers.Layer {
  return tfl.layers.gru({ ...args, activation: "tanh", recurrentActivation: "sigmoid", recurrentInitializer: NO_ORTHOGONAL });
}

describe("parity with TensorFlow.js: GRU (resetAfter false)", () => {
  it("TF.js 4.22 has no resetAfter form: its GRU refuses resetAfter true", () => {
    // resetAfter is not in GRULayerArgs' type, but the cell reads it from the arguments.
    const args = { units: 2, inputShape: [3, 2], resetAfter: true } as Parameters<typeof tfl.layers.gru>[0];
    expect(() => tfl.layers.gru(args)).toThrow(/reset_after/);
  });

  it("[T, F] -> gru(4) -> dense(1, sigmoid), binary cross-entropy, SGD (gates z, r, h)", async () => {
    const T = 5, F = 3, U = 4, B = 6;
    const result = await runParity({
      typegrad: sequential(input([T, F]), gru(U, { resetAfter: false }), dense(1, "sigmoid")).compile({
        loss: "binaryCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsGru({ units: U, inputShape: [T, F] }), tfl.layers.dense({ units: 1, activation: "sigmoid" })],
      loss: "binaryCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      x: floats(B * T * F, 1101),
      y: binaryLabels(B),
      seed: 11000,
    });
    expectParity(result, ["gru_kernel", "gru_recurrent_kernel", "gru_bias", "dense_kernel", "dense_bias"]);
  });

  it("stacked: gru(3, returnSequences) -> gru(4) -> dense(2, softmax), categorical cross-entropy, momentum SGD", async () => {
    const T = 5, F = 2, A = 3, H = 4, C = 2, B = 5;
    const result = await runParity({
      typegrad: sequential(
        input([T, F]),
        gru(A, { returnSequences: true, resetAfter: false }),
        gru(H, { resetAfter: false }),
        dense(C, "softmax"),
      ).compile({ loss: "categoricalCrossentropy", optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }) }),
      tfjsLayers: () => [
        tfjsGru({ units: A, returnSequences: true, inputShape: [T, F] }),
        tfjsGru({ units: H }),
        tfl.layers.dense({ units: C, activation: "softmax" }),
      ],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.3, 0.9),
      exampleShape: [T, F],
      x: floats(B * T * F, 1201),
      y: oneHot(B, C, 1202),
      seed: 12000,
    });
    expectParity(result, [
      "gru_kernel",
      "gru_recurrent_kernel",
      "gru_bias",
      "gru_1_kernel",
      "gru_1_recurrent_kernel",
      "gru_1_bias",
      "dense_kernel",
      "dense_bias",
    ]);
  });

  it("without bias: gru(3, useBias false) -> dense(3, softmax), categorical cross-entropy, SGD", async () => {
    const T = 4, F = 3, U = 3, C = 3, B = 6;
    const result = await runParity({
      typegrad: sequential(input([T, F]), gru(U, { resetAfter: false, useBias: false }), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsGru({ units: U, useBias: false, inputShape: [T, F] }), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      x: floats(B * T * F, 1301),
      y: oneHot(B, C, 1302),
      seed: 13000,
    });
    expectParity(result, ["gru_kernel", "gru_recurrent_kernel", "dense_kernel", "dense_bias"]);
  });
});
