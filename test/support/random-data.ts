// Seeded data for interpreter tests: weights, inputs, targets and dropout masks for any IR. Values
// are kept moderate (|w| <= 0.9) so that no test sits near overflow; explicit kernel values given
// in the model are used as they are.

import type { GraphIR } from "typegrad/dsl";
import { targetCount } from "../../codegen/interpreter";

/** mulberry32: a tiny seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Uniform in [lo, hi), kept at least `gap` away from 0 (so that |x| and relu have no kink nearby). */
function uniformAwayFromZero(rand: () => number, lo: number, hi: number, gap = 0.05): number {
  for (;;) {
    const x = lo + (hi - lo) * rand();
    if (Math.abs(x) >= gap) return x;
  }
}

/**
 * Every weight: explicit values as given; moving variances in [0.5, 1.5); anything else uniform in
 * ±[0.05, 0.9).
 */
export function randomParams(ir: GraphIR, seed: number): Map<string, Float64Array> {
  const rand = seededRandom(seed);
  const params = new Map<string, Float64Array>();
  for (const p of ir.params) {
    const n = sizeOf(p.shape);
    if (p.initializer.name === "values") params.set(p.name, Float64Array.from(p.initializer.values));
    else if (p.name.endsWith("moving_variance")) params.set(p.name, Float64Array.from({ length: n }, () => 0.5 + rand()));
    else params.set(p.name, Float64Array.from({ length: n }, () => uniformAwayFromZero(rand, -0.9, 0.9)));
  }
  return params;
}

/** Float inputs uniform in ±[0.05, 1); int32 inputs (token ids) uniform below `vocabulary`. */
export function randomInputs(ir: GraphIR, batch: number, seed: number, vocabulary = 1): (Float64Array | Int32Array)[] {
  const rand = seededRandom(seed);
  return ir.inputs.map((input) => {
    const n = batch * sizeOf(input.shape);
    if (input.dtype === "int32") return Int32Array.from({ length: n }, () => Math.floor(rand() * vocabulary));
    return Float64Array.from({ length: n }, () => uniformAwayFromZero(rand, -1, 1));
  });
}

/**
 * Targets fitting the compiled loss: class ids for sparseCategoricalCrossentropy, one-hot-ish
 * distributions for categoricalCrossentropy, values in [0, 1] for binaryCrossentropy and in [-1, 1)
 * for the regression losses.
 */
export function randomTargets(ir: GraphIR, batch: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const loss = ir.training!.loss;
  const out = ir.nodes.find((n) => n.id === ir.outputs[0])!;
  const width = out.shape.length === 0 ? 1 : out.shape[out.shape.length - 1]!;
  const n = targetCount(loss, out.shape, batch);
  switch (loss) {
    case "sparseCategoricalCrossentropy":
      return Float64Array.from({ length: n }, () => Math.floor(rand() * width));
    case "categoricalCrossentropy": {
      const y = new Float64Array(n);
      for (let v = 0; v < n / width; v++) {
        const raw = Array.from({ length: width }, () => rand());
        const total = raw.reduce((a, b) => a + b, 0);
        raw.forEach((r, c) => (y[v * width + c] = r / total));
      }
      return y;
    }
    case "binaryCrossentropy":
      return Float64Array.from({ length: n }, () => rand());
    default:
      return Float64Array.from({ length: n }, () => 2 * rand() - 1);
  }
}

/** A keep-mask (0/1, batch * size) for every dropout node, keeping each unit with probability 1 - rate. */
export function randomDropoutMasks(ir: GraphIR, batch: number, seed: number): Map<string, Float64Array> {
  const rand = seededRandom(seed);
  const masks = new Map<string, Float64Array>();
  for (const node of ir.nodes) {
    if (node.op !== "dropout") continue;
    const rate = node.attrs.rate as number;
    masks.set(node.id, Float64Array.from({ length: batch * sizeOf(node.shape) }, () => (rand() < rate ? 0 : 1)));
  }
  return masks;
}

/**
 * Token ids [batch, steps] in [1, vocabulary) with padding (id 0) laid out by example: b % 4 = 0
 * pre-padded (Keras' padSequences default: zeros, then a random number of tokens), 1 no padding,
 * 2 padding only, 3 zeros at random positions.
 */
export function paddedIds(batch: number, steps: number, vocabulary: number, seed: number): Int32Array {
  const rand = seededRandom(seed);
  const ids = new Int32Array(batch * steps);
  for (let b = 0; b < batch; b++) {
    const tokens = 1 + Math.floor(rand() * steps);
    for (let t = 0; t < steps; t++) {
      const token = 1 + Math.floor(rand() * (vocabulary - 1));
      const padded = [t < steps - tokens, false, true, rand() < 0.4][b % 4]!;
      ids[b * steps + t] = padded ? 0 : token;
    }
  }
  return ids;
}
