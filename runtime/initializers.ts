// Weight initialisers as Keras 3 draws them (keras/src/initializers/random_initializers.py and
// constant_initializers.py), from the model's seeded generator.

import type { InitializerConfig } from "../dsl/config/initializers";
import type { Random } from "./random";

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Keras' compute_fans: rank 1 -> (n, n); rank 2 -> (in, out); higher ranks scale by the receptive field. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = product(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** Keras' VarianceScaling truncated normal: stddev corrected for the cut at two deviations. */
const TRUNCATION_CORRECTION = 0.87962566103423978;

function uniform(out: Float32Array, limit: number, rng: Random): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
  return out;
}

function truncatedNormal(out: Float32Array, stddev: number, rng: Random): Float32Array {
  for (let i = 0; i < out.length; i++) {
    let z: number;
    do z = rng.normal();
    while (Math.abs(z) > 2);
    out[i] = z * stddev;
  }
  return out;
}

/** Keras' Orthogonal: QR of a normal matrix (made unique by the signs of R's diagonal), times gain. */
function orthogonal(shape: readonly number[], gain: number, rng: Random): Float32Array {
  const cols = shape[shape.length - 1] ?? 1;
  const rows = product(shape) / cols;
  const [m, n] = [Math.max(rows, cols), Math.min(rows, cols)];
  // Gram-Schmidt on the n columns of an m x n normal matrix gives Q with a positive R diagonal.
  const q = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => rng.normal()));
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[j]![i]! * q[k]![i]!;
      for (let i = 0; i < m; i++) q[j]![i]! -= dot * q[k]![i]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[j]![i]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) q[j]![i]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  // Q is m x n (column j in q[j]); the weight is Q (rows >= cols) or its transpose.
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c]![r]! : q[r]![c]!);
  return out;
}

export function initialize(config: InitializerConfig, shape: readonly number[], rng: Random): Float32Array {
  const out = new Float32Array(product(shape));
  const { fanIn, fanOut } = fans(shape);
  switch (config.name) {
    case "zeros":
      return out;
    case "ones":
      return out.fill(1);
    case "constant":
      return out.fill(config.value);
    case "values":
      if (config.values.length !== out.length) throw new Error(`initialize: ${config.values.length} values for a weight of ${out.length}`);
      out.set(config.values);
      return out;
    case "glorotUniform":
      return uniform(out, Math.sqrt(6 / (fanIn + fanOut)), rng);
    case "heUniform":
      return uniform(out, Math.sqrt(6 / fanIn), rng);
    case "glorotNormal":
      return truncatedNormal(out, Math.sqrt(2 / (fanIn + fanOut)) / TRUNCATION_CORRECTION, rng);
    case "heNormal":
      return truncatedNormal(out, Math.sqrt(2 / fanIn) / TRUNCATION_CORRECTION, rng);
    case "randomUniform":
      for (let i = 0; i < out.length; i++) out[i] = config.minval + rng.uniform() * (config.maxval - config.minval);
      return out;
    case "randomNormal":
      for (let i = 0; i < out.length; i++) out[i] = config.mean + rng.normal() * config.stddev;
      return out;
    case "orthogonal":
      return orthogonal(shape, config.gain, rng);
    case "unitForgetBias": {
      const base = initialize(config.base, shape, rng);
      base.fill(1, config.units, 2 * config.units);
      return base;
    }
  }
}
