import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { dense, embedding, input, lstm, sequential, sgd, simpleRNN, type CompiledModel } from "typegrad/dsl";
import { liveModel } from "../support/live-model";
import { seededRandom } from "../support/random-data";

// Parity of the generated simpleRNN and lstm kernels (forward and backpropagation through time)
// against TensorFlow.js layers (4.22, 'cpu' backend, float32), in the manner of tfjs-parity.test.ts.
// Both libraries start from the SAME EXPLICIT weights (seeded, moderate: nothing saturates), train
// three steps with trainOnBatch on one batch and plain or momentum SGD, then predict. Compared: the
// loss of each step, the predictions and every weight.
//
// Tolerances are ABSOLUTE: predictions (softmax / sigmoid outputs in [0, 1]) within 1e-5; weights
// (all of magnitude about 1 or below) within 5e-5; every weight of the recurrent layers must have
// moved by more than 1e-3 (except where it provably gets no gradient, see the length-1 case), so the
// test cannot pass by leaving weights alone.
//
// Where the two libraries line up (checked in tfjs-layers 4.22's dist/layers/recurrent.js):
// - Weights: the RNN layer's weights are its cell's, added in the order kernel [F, G·U],
//   recurrent_kernel [U, G·U], bias [G·U] (SimpleRNNCell G = 1, LSTMCell G = 4): Keras' names,
//   order and layout, and typegrad's. LSTMCell.call computes z = x·K + h·R + b and splits z into
//   four equal blocks along the last axis as i, f, c, o (c = f·c_{t-1} + i·tanh(z_c), h = o·tanh(c)):
//   Keras' gate order, the order of typegrad's columns. So weights are copied unchanged, but each
//   one is paired explicitly by layer class, name and the shape computed from F, U and G.
// - TF.js' LSTM defaults are Keras 2's, not Keras 3's: recurrentActivation 'hardSigmoid', no unit
//   forget bias (args.unitForgetBias is taken as given: undefined), kernel initializer glorotNormal.
//   The TF.js side is therefore given recurrentActivation 'sigmoid' and unitForgetBias true
//   explicitly; its initial bias and typegrad's are both checked to be [0·U, 1·U, 0·2U] before both
//   are overwritten with the same explicit weights (forget block about 1).
// - Both start from zero states (h_0 = 0, c_0 = 0), run forward in time, no masking.
// - sparseCategoricalCrossentropy over a [T, tags] output: TF.js wants targets [B, T, 1] (one class
//   id per step) and averages the [B, T] cross-entropies; Keras 3 ("sum_over_batch_size") averages
//   over the same B·T values. typegrad takes the ids as [B][T].
// - SGD with momentum: TF.js' a = m·a + g, w -= lr·a equals Keras 3's v = m·v - lr·g, w += v with
//   v = -lr·a (constant learning rate), up to float32 rounding. Adam is not used.
// Not covered: a STACKED recurrent model over sequences of length 1 (lstm(returnSequences) ->
// simpleRNN with T = 1) has no peer: TF.js 4.22's trainOnBatch throws in the gradient of unstack
// ("Argument tensors passed to stack must be a `Tensor[]`"); single recurrent layers at T = 1 train.

const PREDICTION_TOLERANCE = 1e-5;
const WEIGHT_TOLERANCE = 5e-5;
const LOSS_TOLERANCE = 1e-5;
const MOVED = 1e-3;
const STEPS = 3;

type TypegradNet = ReturnType<typeof liveModel>;
type Loss = "categoricalCrossentropy" | "binaryCrossentropy" | "sparseCategoricalCrossentropy";

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
    case "SimpleRNN":
    case "LSTM": {
      const width = (layer.getClassName() === "LSTM" ? 4 : 1) * units;
      return [
        { suffix: "kernel", shape: [features, width] },
        { suffix: "recurrent_kernel", shape: [units, width] },
        ...(config.useBias === false ? [] : [{ suffix: "bias", shape: [width] }]),
      ];
    }
    case "Dense":
      return [{ suffix: "kernel", shape: [features, units] }, ...(config.useBias === false ? [] : [{ suffix: "bias", shape: [units] }])];
    case "Embedding":
      return [{ suffix: "embeddings", shape: [config.inputDim as number, config.outputDim as number] }];
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
  const typegradLayer: Record<string, RegExp> = {
    SimpleRNN: /^simple_rnn(_\d+)?$/,
    LSTM: /^lstm(_\d+)?$/,
    Dense: /^dense(_\d+)?$/,
    Embedding: /^embedding(_\d+)?$/,
  };
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

/** Keras' unit forget bias for `units`: [0·U, 1·U, 0·2U]. */
function unitForgetBias(units: number): Float32Array {
  const b = new Float32Array(4 * units);
  b.fill(1, units, 2 * units);
  return b;
}

/**
 * Explicit, moderate starting weights (seeded): input kernels ±0.6, recurrent kernels ±0.5, biases
 * ±0.2 (an LSTM's forget block 1 ± 0.2, as unit forget bias starts it), embeddings ±0.5, dense ±0.6.
 */
function explicitWeights(pairs: readonly Pairing[], seed: number): Float32Array[] {
  return pairs.map((p, k) => {
    const count = p.shape.reduce((a, b) => a * b, 1);
    const scale = p.suffix === "recurrent_kernel" ? 0.5 : p.suffix === "bias" ? 0.2 : p.suffix === "embeddings" ? 0.5 : 0.6;
    const values = Float32Array.from(floats(count, seed + 101 * k, scale));
    if (p.tfjsClass === "LSTM" && p.suffix === "bias") {
      const units = count / 4;
      for (let u = units; u < 2 * units; u++) values[u] = Math.fround(1 + values[u]!);
    }
    return values;
  });
}

// ------------------------------------------------------------ the run

interface ParityCase {
  readonly typegrad: CompiledModel;
  readonly tfjsLayers: () => tfl.layers.Layer[];
  readonly loss: Loss;
  readonly optimizer: () => tf.Optimizer;
  /** One example's shape and dtype, and the batch (flat, row-major). */
  readonly exampleShape: readonly number[];
  readonly dtype: "float32" | "int32";
  readonly x: readonly number[];
  /** typegrad's targets, one row per example (one-hot rows, 0/1 labels, or one class id per step). */
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

  // Both libraries' own LSTM bias initialisation is Keras' unit forget bias.
  const own = net.getWeights();
  for (const p of pairs.filter((q) => q.tfjsClass === "LSTM" && q.suffix === "bias")) {
    const expected = unitForgetBias(p.shape[0]! / 4);
    expect(own[p.index], `typegrad's initial ${p.name}`).toEqual(expected);
    expect(Float32Array.from(p.variable.read().dataSync()), `TF.js' initial ${p.variable.name}`).toEqual(expected);
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
  const xs = tf.tensor(c.x as number[], [batch, ...c.exampleShape], c.dtype);
  const ys =
    c.loss === "sparseCategoricalCrossentropy"
      ? tf.tensor3d(c.y.map((row) => row.map((id) => [id])))
      : tf.tensor2d(c.y as number[][]);
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

function weightIndex(result: ParityResult, name: string): number {
  const i = result.names.indexOf(name);
  expect(i, `no weight ${name} in ${result.names.join(", ")}`).toBeGreaterThanOrEqual(0);
  return i;
}

/** How far a weight moved in three steps (typegrad's side). */
function moved(result: ParityResult, name: string): number {
  const i = weightIndex(result, name);
  return maxAbsDiff(result.history[0]![i]!, result.history[STEPS]![i]!);
}

/** Parity within the tolerances; every weight moved, except `still` (which must not move at all, on either side). */
function expectParity(result: ParityResult, still: readonly string[] = []): void {
  expect(result.lossDiff).toBeLessThan(LOSS_TOLERANCE);
  expect(result.predictionDiff).toBeLessThan(PREDICTION_TOLERANCE);
  for (const [name, diff] of result.weightDiffs) expect(diff, name).toBeLessThan(WEIGHT_TOLERANCE);
  for (const name of result.names) {
    if (still.includes(name)) {
      const i = weightIndex(result, name);
      expect(result.history[STEPS]![i], `${name} (typegrad) got no gradient`).toEqual(result.history[0]![i]);
      expect(result.tfjsFinal[i], `${name} (TF.js) got no gradient`).toEqual(result.history[0]![i]);
    } else {
      expect(moved(result, name), `${name} moved`).toBeGreaterThan(MOVED);
    }
  }
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

/** TF.js LSTM with Keras 3's cell: sigmoid gates, unit forget bias. */
function tfjsLstm(args: { units: number; returnSequences?: boolean; inputShape?: number[] }): tfl.layers.Layer {
  return tfl.layers.lstm({ ...args, activation: "tanh", recurrentActivation: "sigmoid", unitForgetBias: true, recurrentInitializer: NO_ORTHOGONAL });
}

/** TF.js SimpleRNN (tanh unless told). */
function tfjsSimpleRnn(args: { units: number; activation?: "tanh" | "relu"; inputShape?: number[] }): tfl.layers.Layer {
  return tfl.layers.simpleRNN({ activation: "tanh", ...args, recurrentInitializer: NO_ORTHOGONAL });
}

describe("parity with TensorFlow.js: SimpleRNN", () => {
  it("[T, F] -> simpleRNN(4) -> dense(1, sigmoid), binary cross-entropy, SGD", async () => {
    const T = 5, F = 3, U = 4, B = 6;
    const result = await runParity({
      typegrad: sequential(input([T, F]), simpleRNN(U), dense(1, "sigmoid")).compile({
        loss: "binaryCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsSimpleRnn({ units: U, activation: "tanh", inputShape: [T, F] }), tfl.layers.dense({ units: 1, activation: "sigmoid" })],
      loss: "binaryCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 101),
      y: binaryLabels(B),
      seed: 1000,
    });
    expectParity(result);
  });

  it("simpleRNN(4, relu) over 5 steps -> dense(2, softmax), categorical cross-entropy, momentum SGD", async () => {
    const T = 5, F = 3, U = 4, C = 2, B = 6;
    const result = await runParity({
      typegrad: sequential(input([T, F]), simpleRNN(U, { activation: "relu" }), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.2, momentum: 0.9 }),
      }),
      tfjsLayers: () => [tfjsSimpleRnn({ units: U, activation: "relu", inputShape: [T, F] }), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.2, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 501),
      y: oneHot(B, C, 502),
      seed: 5000,
    });
    expectParity(result);
  });
});

describe("parity with TensorFlow.js: LSTM", () => {
  it("[T, F] -> lstm(3) -> dense(3, softmax), categorical cross-entropy, SGD (gates i, f, c, o)", async () => {
    const T = 4, F = 3, U = 3, C = 3, B = 6;
    const result = await runParity({
      typegrad: sequential(input([T, F]), lstm(U), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsLstm({ units: U, inputShape: [T, F] }), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 201),
      y: oneHot(B, C, 202),
      seed: 2000,
    });
    expectParity(result);
  });

  it("stacked: lstm(3, returnSequences) -> simpleRNN(4) -> dense(2, softmax), momentum SGD", async () => {
    const T = 5, F = 2, A = 3, H = 4, C = 2, B = 5;
    const result = await runParity({
      typegrad: sequential(input([T, F]), lstm(A, { returnSequences: true }), simpleRNN(H), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }),
      }),
      tfjsLayers: () => [
        tfjsLstm({ units: A, returnSequences: true, inputShape: [T, F] }),
        tfjsSimpleRnn({ units: H, activation: "tanh" }),
        tfl.layers.dense({ units: C, activation: "softmax" }),
      ],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.3, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 301),
      y: oneHot(B, C, 302),
      seed: 3000,
    });
    expectParity(result);
  });

  it("per-step tagger: int32 ids -> embedding -> lstm(4, returnSequences) -> dense(3, softmax) per step, sparse categorical cross-entropy", async () => {
    const T = 6, V = 10, D = 3, U = 4, TAGS = 3, B = 4;
    const next = seededRandom(401);
    const ids = Array.from({ length: B * T }, () => Math.floor(next() * V));
    const tags = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (ids[b * T + t]! + b + t) % TAGS));
    const result = await runParity({
      typegrad: sequential(input([T], { dtype: "int32" }), embedding(V, D), lstm(U, { returnSequences: true }), dense(TAGS, "softmax")).compile({
        loss: "sparseCategoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [
        tfl.layers.embedding({ inputDim: V, outputDim: D, inputShape: [T] }),
        tfjsLstm({ units: U, returnSequences: true }),
        tfl.layers.dense({ units: TAGS, activation: "softmax" }),
      ],
      loss: "sparseCategoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T],
      dtype: "int32",
      x: ids,
      y: tags,
      seed: 4000,
    });
    // Rows of ids never seen keep their values: found from the batch, not assumed.
    const unseen = Array.from({ length: V }, (_, id) => id).filter((id) => !ids.includes(id));
    const table = weightIndex(result, "embedding_embeddings");
    for (const id of unseen) {
      const row = (w: Float32Array) => w.subarray(id * D, (id + 1) * D);
      expect(row(result.history[STEPS]![table]!)).toEqual(row(result.history[0]![table]!));
      expect(row(result.tfjsFinal[table]!)).toEqual(row(result.history[0]![table]!));
    }
    expectParity(result);
  });

  it("a sequence of length 1: lstm(3) -> dense(2, softmax); no gradient reaches the recurrent kernel or the forget gate", async () => {
    const T = 1, F = 4, U = 3, C = 2, B = 6;
    const result = await runParity({
      typegrad: sequential(input([T, F]), lstm(U), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsLstm({ units: U, inputShape: [T, F] }), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 601),
      y: oneHot(B, C, 602),
      seed: 6000,
    });
    // One step from zero states: dR = h_0ᵀ·dz = 0, and the forget gate's dz_f = dc·c_0·f' = 0, so the
    // forget block (columns U..2U) of the kernel and of the bias stays exactly as it was.
    expectParity(result, ["lstm_recurrent_kernel"]);
    const forgetBlock = (w: Float32Array, rows: number) =>
      Array.from({ length: rows }, (_, r) => Array.from(w.subarray(r * 4 * U + U, r * 4 * U + 2 * U))).flat();
    for (const [name, rows] of [["lstm_kernel", F], ["lstm_bias", 1]] as const) {
      const i = weightIndex(result, name);
      const before = forgetBlock(result.history[0]![i]!, rows);
      expect(forgetBlock(result.history[STEPS]![i]!, rows), `${name} forget block (typegrad)`).toEqual(before);
      expect(forgetBlock(result.tfjsFinal[i]!, rows), `${name} forget block (TF.js)`).toEqual(before);
    }
  });

  it("a sequence of length 1: simpleRNN(3) -> dense(1, sigmoid); no gradient reaches the recurrent kernel", async () => {
    const T = 1, F = 4, U = 3, B = 6;
    const result = await runParity({
      typegrad: sequential(input([T, F]), simpleRNN(U), dense(1, "sigmoid")).compile({
        loss: "binaryCrossentropy",
        optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }),
      }),
      tfjsLayers: () => [tfjsSimpleRnn({ units: U, inputShape: [T, F] }), tfl.layers.dense({ units: 1, activation: "sigmoid" })],
      loss: "binaryCrossentropy",
      optimizer: () => tf.train.momentum(0.5, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 701),
      y: binaryLabels(B),
      seed: 7000,
    });
    expectParity(result, ["simple_rnn_recurrent_kernel"]);
  });
});
