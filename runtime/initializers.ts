// Weight initialisers as Keras 3 draws them, from the model's seeded generator:
//   keras/src/initializers/random_initializers.py (VarianceScaling and its Glorot / He subclasses,
//     compute_fans, Orthogonal, RandomUniform, RandomNormal),
//   keras/src/initializers/constant_initializers.py (Zeros, Ones, Constant),
//   keras/src/layers/rnn/lstm.py (LSTMCell.build: unit_forget_bias).
// The numbers differ from Keras' (another generator); the distributions are the same.

import type { InitializerConfig } from "../dsl/config/initializers";
import type { Random } from "./random";
import { product } from "./product";


/** Keras' compute_fans: rank 1 -> (n, n); rank 2 -> (in, out); higher ranks scale by the receptive field. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = product(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** TruncatedNormal's standard deviation relative to the untruncated one (cut at two deviations). */
const TRUNCATION_CORRECTION = 0.87962566103423978;

/** VarianceScaling's scale / n, with n as Keras: max(1, fan) for the mode. */
function scaled(scale: number, mode: "fanIn" | "fanAvg", shape: readonly number[]): number {
  const { fanIn, fanOut } = fans(shape);
  return scale / Math.max(1, mode === "fanIn" ? fanIn : (fanIn + fanOut) / 2);
}

/** VarianceScaling, distribution "uniform": U(-limit, limit), limit = sqrt(3 * scale / n). */
function varianceUniform(out: Float32Array, shape: readonly number[], scale: number, mode: "fanIn" | "fanAvg", rng: Random): Float32Array {
  const limit = Math.sqrt(3 * scaled(scale, mode, shape));
  for (let i = 0; i < out.length; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
  return out;
}

/** VarianceScaling, distribution "truncated_normal": stddev sqrt(scale / n) after the cut at 2 sigma. */
function varianceNormal(out: Float32Array, shape: readonly number[], scale: number, mode: "fanIn" | "fanAvg", rng: Random): Float32Array {
  const stddev = Math.sqrt(scaled(scale, mode, shape)) / TRUNCATION_CORRECTION;
  for (let i = 0; i < out.length; i++) out[i] = truncatedStandardNormal(rng) * stddev;
  return out;
}

/** A standard normal, redrawn while more than two deviations from 0 (as TruncatedNormal). */
function truncatedStandardNormal(rng: Random): number {
  let z: number;
  do z = rng.normal();
  while (Math.abs(z) > 2);
  return z;
}

/**
 * Orthonormal columns of an m x n (m >= n) standard normal matrix, by modified Gram-Schmidt:
 * the Q of its QR factorisation with R's diagonal made positive, which is what Keras' `q *=
 * sign(diag(r))` makes of any QR. Column j is returned as columns[j].
 */
function orthonormalColumns(m: number, n: number, rng: Random): Float64Array[] {
  const columns = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => rng.normal()));
  for (let j = 0; j < n; j++) {
    const q = columns[j]!;
    for (let k = 0; k < j; k++) subtractProjection(q, columns[k]!);
    const norm = Math.sqrt(dot(q, q));
    for (let i = 0; i < m; i++) q[i]! /= norm;
  }
  return columns;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** q -= (q . unit) unit. */
function subtractProjection(q: Float64Array, unit: Float64Array): void {
  const along = dot(q, unit);
  for (let i = 0; i < q.length; i++) q[i]! -= along * unit[i]!;
}

/** Keras' Orthogonal: flatten to (prod(shape[:-1]), shape[-1]); orthonormal columns, or rows when wider than tall; times gain. */
function orthogonal(shape: readonly number[], gain: number, rng: Random): Float32Array {
  if (shape.length < 2) throw new Error(`orthogonal initializer: the weight must be at least two-dimensional, got shape [${shape.join(", ")}]`);
  const cols = shape[shape.length - 1]!;
  const rows = product(shape) / cols;
  const q = orthonormalColumns(Math.max(rows, cols), Math.min(rows, cols), rng);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c]![r]! : q[r]![c]!);
  }
  return out;
}

/** Keras' LSTM bias with unit_forget_bias: concatenate(base([units]), ones([units]), base([2 * units])). */
function unitForgetBias(units: number, base: InitializerConfig, shape: readonly number[], rng: Random): Float32Array {
  if (product(shape) !== 4 * units) throw new Error(`unitForgetBias: a bias of ${4 * units} values (4 x ${units} units), got shape [${shape.join(", ")}]`);
  const out = new Float32Array(4 * units);
  out.set(initialize(base, [units], rng), 0);
  out.fill(1, units, 2 * units);
  out.set(initialize(base, [2 * units], rng), 2 * units);
  return out;
}

/** A weight of `shape` (row-major, kernels [in, out]) drawn as `config` says. */
export function initialize(config: InitializerConfig, shape: readonly number[], rng: Random): Float32Array {
  const out = new Float32Array(product(shape));
  switch (config.name) {
    case "zeros":
      return out;
    case "ones":
      return out.fill(1);
    case "constant":
      return out.fill(config.value);
    case "values":
      if (config.values.length !== out.length) {
        throw new Error(`initialize: ${config.values.length} values for a weight of shape [${shape.join(", ")}] (${out.length} values)`);
      }
      out.set(config.values);
      return out;
    case "glorotUniform":
      return varianceUniform(out, shape, 1, "fanAvg", rng);
    case "heUniform":
      return varianceUniform(out, shape, 2, "fanIn", rng);
    case "glorotNormal":
      return varianceNormal(out, shape, 1, "fanAvg", rng);
    case "heNormal":
      return varianceNormal(out, shape, 2, "fanIn", rng);
    case "randomUniform":
      for (let i = 0; i < out.length; i++) out[i] = config.minval + rng.uniform() * (config.maxval - config.minval);
      return out;
    case "randomNormal":
      for (let i = 0; i < out.length; i++) out[i] = config.mean + rng.normal() * config.stddev;
      return out;
    case "orthogonal":
      return orthogonal(shape, config.gain, rng);
    case "unitForgetBias":
      return unitForgetBias(config.units, config.base, shape, rng);
  }
}
