// Comparing a typegrad model with a TensorFlow.js model (tfjs-layers 4.22, 'cpu' backend, float32)
// step by step: both start from the same weights, train STEPS steps with trainOnBatch on one batch,
// then predict; compared are each step's loss, the predictions and every weight. Shared by the
// tfjs-parity*.test.ts files, which keep what is particular to their layers (which TF.js weights a
// layer holds, each library's own initial values, the models themselves).
//
// Tolerances are ABSOLUTE: predictions (softmax / sigmoid outputs in [0, 1]) within 1e-5; weights
// (all of magnitude about 1 or below) within 5e-5; a weight that must move, by more than 1e-3.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, expect } from "vitest";
import type { CompiledModel } from "typegrad/dsl";
import { liveModel } from "./live-model";
import { seededRandom } from "./random-data";

export const PREDICTION_TOLERANCE = 1e-5;
export const WEIGHT_TOLERANCE = 5e-5;
export const LOSS_TOLERANCE = 1e-5;
export const MOVED = 1e-3;
export const STEPS = 3;

export type TypegradNet = ReturnType<typeof liveModel>;
export type TfjsLoss = "categoricalCrossentropy" | "binaryCrossentropy" | "sparseCategoricalCrossentropy";

/** Runs the file's tests on TF.js' 'cpu' backend (call at the top level of a test file). */
export function useTfjsCpu(): void {
  beforeAll(async () => {
    tf.env().set("PROD", true); // silences the "install tfjs-node" notice
    expect(await tf.setBackend("cpu")).toBe(true);
    await tf.ready();
    expect(tf.getBackend()).toBe("cpu");
  });
}

// ------------------------------------------------------------ data

/** `count` seeded float32 values, uniform in [-scale, scale). */
export function floats(count: number, seed: number, scale = 1): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => Math.fround((2 * next() - 1) * scale));
}

export function oneHot(batch: number, classes: number, seed: number): number[][] {
  const next = seededRandom(seed);
  return Array.from({ length: batch }, (_, b) => {
    const row = new Array<number>(classes).fill(0);
    row[(b + Math.floor(next() * classes)) % classes] = 1;
    return row;
  });
}

export function binaryLabels(batch: number): number[][] {
  return Array.from({ length: batch }, (_, b) => [b % 3 === 0 ? 0 : b % 2]);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// ------------------------------------------------------------ weights paired explicitly

export type Direction = "forward" | "backward";

/** A weight a TF.js layer holds (its name's last part and its shape), as its test file expects it. */
export interface ExpectedWeight {
  readonly suffix: string;
  readonly shape: number[];
  /** The class of the layer that owns the weight (a wrapper's inner layer's class); the layer's own by default. */
  readonly cell?: string;
  /** A Bidirectional's direction: the weight is named `${layer}_${direction}_${suffix}`. */
  readonly direction?: Direction | null;
}

export interface Pairing {
  /** typegrad's parameter index. */
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly cell: string;
  readonly direction: Direction | null;
  readonly suffix: string;
  readonly variable: tfl.LayerVariable;
}

/** What a test file knows of its layers' weights. */
export interface WeightMapping {
  /** The weights a TF.js layer holds, in its order, with shapes from its input features. */
  readonly expectedWeights: (layer: tfl.layers.Layer, features: number) => readonly ExpectedWeight[];
  /** The typegrad layer names a TF.js layer class pairs with. */
  readonly typegradLayer: Readonly<Record<string, RegExp>>;
  /** Each library's own initial value of a weight, where it is checked before both are overwritten. */
  readonly initialValue?: (p: Pairing) => Float32Array | undefined;
  /** Further checks of each TF.js layer that holds weights, after its weights are paired. */
  readonly checkLayer?: (layer: tfl.layers.Layer) => void;
}

/**
 * Pairs every typegrad parameter with its TF.js variable, layer by layer: same layer class (by the
 * typegrad layer's name), weight name `${layer}_${suffix}` against TF.js `.../${suffix}` (with a
 * direction, `${layer}_${direction}_${suffix}` against `.../${direction}_<inner>/${suffix}`), and the
 * shape the layer's configuration implies on both sides.
 */
export function pairWeights(model: tfl.Sequential, net: TypegradNet, mapping: WeightMapping): Pairing[] {
  const params = net.spec.params;
  const pairs: Pairing[] = [];
  for (const layer of model.layers.filter((l) => l.weights.length > 0)) {
    const features = (layer.input as tfl.SymbolicTensor).shape.at(-1) as number;
    const className = layer.getClassName();
    const expected = mapping.expectedWeights(layer, features);
    expect(layer.weights.length, `${layer.name}'s weights`).toBe(expected.length);
    layer.weights.forEach((variable, j) => {
      const { suffix, shape, cell = className, direction = null } = expected[j]!;
      const index = pairs.length;
      const param = params[index]!;
      expect(param, `no typegrad weight for TF.js ${variable.name}`).toBeDefined();
      expect(param.layer, `${param.name} against TF.js ${className}`).toMatch(mapping.typegradLayer[className]!);
      if (direction) {
        expect(variable.name, `TF.js' ${direction} weight`).toMatch(new RegExp(`/${direction}_[^/]+/${suffix}$`));
        expect(param.name, `${param.name} against TF.js ${variable.name}`).toBe(`${param.layer}_${direction}_${suffix}`);
      } else {
        expect(variable.name.slice(variable.name.lastIndexOf("/") + 1)).toBe(suffix);
        expect(param.name, `${param.name} against TF.js ${variable.name}`).toBe(`${param.layer}_${suffix}`);
      }
      expect(variable.shape).toEqual(shape);
      expect([...param.shape]).toEqual(shape);
      pairs.push({ index, name: param.name, shape, cell, direction, suffix, variable });
    });
    mapping.checkLayer?.(layer);
  }
  expect(pairs.length).toBe(params.length);
  return pairs;
}

/**
 * Explicit, moderate starting weights (seeded): input kernels ±0.6, recurrent kernels ±0.5, biases
 * ±0.2 (an LSTM's forget block 1 ± 0.2, as unit forget bias starts it), embeddings ±0.5, dense ±0.6.
 */
export function explicitWeights(pairs: readonly Pairing[], seed: number): Float32Array[] {
  return pairs.map((p, k) => {
    const count = p.shape.reduce((a, b) => a * b, 1);
    const scale = p.suffix === "recurrent_kernel" ? 0.5 : p.suffix === "bias" ? 0.2 : p.suffix === "embeddings" ? 0.5 : 0.6;
    const values = Float32Array.from(floats(count, seed + 101 * k, scale));
    if (p.cell === "LSTM" && p.suffix === "bias") {
      const units = count / 4;
      for (let u = units; u < 2 * units; u++) values[u] = Math.fround(1 + values[u]!);
    }
    return values;
  });
}

const read = (variable: tfl.LayerVariable) => Float32Array.from(variable.read().dataSync());

/**
 * Starts both sides from explicitWeights(seed), every weight paired by `mapping`, after checking both
 * libraries' own initial values where the mapping gives them.
 */
export function explicitStart(mapping: WeightMapping, seed: number): StartWeights {
  return (net, model) => {
    const pairs = pairWeights(model, net, mapping);
    const own = net.getWeights();
    for (const p of pairs) {
      const expected = mapping.initialValue?.(p);
      if (!expected) continue;
      expect(own[p.index], `typegrad's initial ${p.name}`).toEqual(expected);
      expect(read(p.variable), `TF.js' initial ${p.variable.name}`).toEqual(expected);
    }

    const initial = explicitWeights(pairs, seed);
    net.setWeights(initial);
    for (const p of pairs) {
      const value = tf.tensor(initial[p.index]!, [...p.shape], "float32");
      p.variable.write(value);
      value.dispose();
    }
    expect(net.getWeights()).toEqual(initial);
    pairs.forEach((p) => expect(read(p.variable)).toEqual(initial[p.index]));
    return () => pairs.map((p) => read(p.variable));
  };
}

// ------------------------------------------------------------ the run

/**
 * Sets both models' starting weights (checking how they pair); returns a reader of the TF.js
 * model's weights in typegrad's order.
 */
export type StartWeights = (net: TypegradNet, model: tfl.Sequential) => () => Float32Array[];

export interface ParityCase {
  readonly typegrad: CompiledModel;
  readonly tfjsLayers: () => tfl.layers.Layer[];
  readonly loss: TfjsLoss;
  readonly optimizer: () => tf.Optimizer;
  /** One example's shape and dtype (float32 unless told), and the batch (flat, row-major). */
  readonly exampleShape: readonly number[];
  readonly dtype?: "float32" | "int32";
  readonly x: readonly number[];
  /**
   * typegrad's targets, one row per example (one-hot rows, 0/1 labels, or one class id per step:
   * sparseCategoricalCrossentropy over a [T, tags] output, given to TF.js as [B, T, 1]).
   */
  readonly y: readonly number[][];
}

export interface ParityResult {
  readonly names: readonly string[];
  /** typegrad's weights before each step, and after the last. */
  readonly history: readonly Float32Array[][];
  readonly tfjsFinal: readonly Float32Array[];
  readonly lossDiff: number;
  readonly predictionDiff: number;
  readonly weightDiffs: ReadonlyMap<string, number>;
  /** typegrad's predictions before training (to check that nothing saturates). */
  readonly initialPredictions: readonly number[];
  /** Both sides' predictions after training (flat, row-major). */
  readonly predictions: readonly number[];
  readonly tfjsPredictions: readonly number[];
}

export async function runParity(c: ParityCase, start: StartWeights): Promise<ParityResult> {
  const net = liveModel(c.typegrad);
  const names = net.spec.params.map((p) => p.name);
  const model = tfl.sequential({ layers: c.tfjsLayers() });
  model.compile({ loss: c.loss, optimizer: c.optimizer() });
  const tfjsWeights = start(net, model);

  const batch = c.y.length;
  const initialPredictions = net.predict(c.x, { batchSize: batch }).flat();
  const xs = tf.tensor(c.x as number[], [batch, ...c.exampleShape], c.dtype ?? "float32");
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

  const predictions = net.predict(c.x, { batchSize: batch }).flat();
  const predicted = model.predict(xs) as tf.Tensor;
  const tfjsPredictions = Array.from(predicted.dataSync());
  const predictionDiff = maxAbsDiff(predictions, tfjsPredictions);

  const tfjsFinal = tfjsWeights();
  const final = history[STEPS]!;
  expect(tfjsFinal.length).toBe(final.length);
  const weightDiffs = new Map(names.map((name, i) => [name, maxAbsDiff(final[i]!, tfjsFinal[i]!)]));

  tf.dispose([xs, ys, predicted]);
  model.optimizer.dispose();
  model.dispose();
  if (process.env.TFJS_PARITY_REPORT) {
    const movedLeast = Math.min(...names.map((_, i) => maxAbsDiff(history[0]![i]!, final[i]!)));
    console.log({ lossDiff, predictionDiff, weightDiff: Math.max(...weightDiffs.values()), movedLeast, weightDiffs: Object.fromEntries(weightDiffs) });
  }
  return { names, history, tfjsFinal, lossDiff, predictionDiff, weightDiffs, initialPredictions, predictions, tfjsPredictions };
}

// ------------------------------------------------------------ the checks

export function weightIndex(result: ParityResult, name: string): number {
  const i = result.names.indexOf(name);
  expect(i, `no weight ${name} in ${result.names.join(", ")}`).toBeGreaterThanOrEqual(0);
  return i;
}

/** How far a weight moved in STEPS steps (typegrad's side). */
export function moved(result: ParityResult, name: string): number {
  const i = weightIndex(result, name);
  return maxAbsDiff(result.history[0]![i]!, result.history[STEPS]![i]!);
}

export interface ParityExpectations {
  /** typegrad's weight names, in order, when checked. */
  readonly names?: readonly string[];
  /** The weights that must have moved by more than MOVED; every weight not `still` unless told. */
  readonly moved?: readonly string[];
  /** Weights that get no gradient: they must not move at all, on either side. */
  readonly still?: readonly string[];
  /** Whether typegrad's initial predictions must lie in (0.02, 0.98) (nothing saturates); true unless told. */
  readonly moderateStart?: boolean;
}

/** Parity within the tolerances, and the weights moved (or kept) as expected. */
export function expectParity(result: ParityResult, expected: ParityExpectations = {}): void {
  if (expected.names) expect(result.names).toEqual(expected.names);
  expect(result.lossDiff).toBeLessThan(LOSS_TOLERANCE);
  expect(result.predictionDiff).toBeLessThan(PREDICTION_TOLERANCE);
  for (const [name, diff] of result.weightDiffs) expect(diff, name).toBeLessThan(WEIGHT_TOLERANCE);
  const still = expected.still ?? [];
  for (const name of still) {
    const i = weightIndex(result, name);
    expect(result.history[STEPS]![i], `${name} (typegrad) got no gradient`).toEqual(result.history[0]![i]);
    expect(result.tfjsFinal[i], `${name} (TF.js) got no gradient`).toEqual(result.history[0]![i]);
  }
  // Not trivially equal: the weights under test moved well past the tolerance.
  for (const name of expected.moved ?? result.names.filter((n) => !still.includes(n))) {
    expect(moved(result, name), `${name} moved`).toBeGreaterThan(MOVED);
  }
  if (expected.moderateStart ?? true) {
    // Moderate start: no output probability pinned at 0 or 1.
    for (const p of result.initialPredictions) {
      expect(p).toBeGreaterThan(0.02);
      expect(p).toBeLessThan(0.98);
    }
  }
}

/** The given rows of a [rows, width] weight (an embedding table's unseen ids) kept their values, on both sides. */
export function expectRowsKept(result: ParityResult, name: string, rows: readonly number[], width: number): void {
  const table = weightIndex(result, name);
  for (const id of rows) {
    const row = (w: Float32Array) => w.subarray(id * width, (id + 1) * width);
    expect(row(result.history[STEPS]![table]!)).toEqual(row(result.history[0]![table]!));
    expect(row(result.tfjsFinal[table]!)).toEqual(row(result.history[0]![table]!));
  }
}
