// The mean categorical cross-entropy of wide rows of probabilities (a language model's vocabulary), as
// Keras computes it: q = p / Σp per row, clipped to [ε, 1 − ε] (ε = 1e-7, Keras' backend epsilon), and
// −Σ y log q. The row sums, the pass over every float, run on WebAssembly SIMD where the host has it
// (in float64, four lanes, then the lanes), in plain JavaScript otherwise (in float64, in order).

import { jsRowSums, type RowSums, type TargetKind } from "./js-rows";
import { SimdRows } from "./simd-rows";
import { checkTargets } from "./check-targets";

const EPSILON = 1e-7;

let chosen: RowSums | undefined;

const logClipped = (q: number): number => Math.log(Math.min(Math.max(q, EPSILON), 1 - EPSILON));

/**
 * The mean over the first `rows` rows of `width` floats of −Σ_j y[r, j] log clip(p[r, j] / Σ p[r, :]),
 * y the one-hot row of class id targets[r] ("classIds") or the row targets[r, :] ("oneHot").
 */
export function crossentropyLoss(p: Float32Array, targets: Float32Array, rows: number, width: number, kind: TargetKind): number {
  checkTargets("crossentropyLoss", p, targets, rows, width, kind);
  chosen ??= SimdRows.create()?.rowSums ?? jsRowSums;
  const sums = chosen(p, rows, width);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    if (kind === "classIds") total -= logClipped(p[o + targets[r]!]! / sums[r]!);
    else for (let j = 0; j < width; j++) total -= targets[o + j]! * logClipped(p[o + j]! / sums[r]!);
  }
  return total / rows;
}
