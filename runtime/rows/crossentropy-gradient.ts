// The gradient of the mean categorical cross-entropy after a softmax, by the softmax's input, for wide
// rows (a language model's vocabulary): WebAssembly SIMD where the host has it, plain JavaScript
// otherwise. The two round differently (float32 products against float64 ones rounded once), so they
// agree to within a float32 rounding or two.

import { jsCrossentropyGradient, type CrossentropyGradient, type TargetKind } from "./js-rows";
import { SimdRows } from "./simd-rows";

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
  const fail = (message: string) => {
    throw new RangeError(`crossentropyGradient: ${message}`);
  };
  if (!Number.isInteger(rows) || rows < 0) fail(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(width) || width < 1) fail(`width must be a positive integer, got ${width}`);
  if (kind !== "classIds" && kind !== "oneHot") fail(`the targets must be "classIds" or "oneHot", got ${JSON.stringify(kind)}`);
  if (p.length < rows * width) fail(`p holds ${p.length} floats, needs ${rows * width}`);
  if (d.length < rows * width) fail(`d holds ${d.length} floats, needs ${rows * width}`);
  const needed = kind === "classIds" ? rows : rows * width;
  if (targets.length < needed) fail(`targets holds ${targets.length} floats, needs ${needed}`);
  if (kind === "classIds") {
    for (let r = 0; r < rows; r++) {
      const id = targets[r]!;
      if (!(Number.isInteger(id) && id >= 0 && id < width)) fail(`class id ${id} (row ${r}) is outside [0, ${width})`);
    }
  }
}
