// The gradient of the mean categorical cross-entropy after a softmax, by the softmax's input, for wide
// rows (a language model's vocabulary): WebAssembly SIMD where the host has it, plain JavaScript
// otherwise. The two round differently (float32 products against float64 ones rounded once), so they
// agree to within a float32 rounding or two.

import { jsCrossentropyGradient, type CrossentropyGradient, type TargetKind } from "./js-rows";
import { SimdRows } from "./simd-rows";
import { checkTargets } from "./check-targets";

let chosen: CrossentropyGradient | undefined;

/**
 * d[r, :] = (p[r, :] − y[r, :]) / rows for the first `rows` rows of `width` floats, y the one-hot row of
 * class id targets[r] ("classIds") or the row targets[r, :] ("oneHot"); the floats of d after them are
 * left as they are.
 */
export function crossentropyGradient(p: Float32Array, targets: Float32Array, d: Float32Array, rows: number, width: number, kind: TargetKind): void {
  checkArguments(p, targets, d, rows, width, kind);
  chosen ??= SimdRows.create()?.crossentropyGradient ?? jsCrossentropyGradient;
  chosen(p, targets, d, rows, width, kind);
}

function checkArguments(p: Float32Array, targets: Float32Array, d: Float32Array, rows: number, width: number, kind: TargetKind): void {
  checkTargets("crossentropyGradient", p, targets, rows, width, kind);
  if (d.length < rows * width) throw new RangeError(`crossentropyGradient: d holds ${d.length} floats, needs ${rows * width}`);
}
