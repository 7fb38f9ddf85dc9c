// The softmax of each row, for wide softmax layers (a language model's vocabulary): WebAssembly SIMD
// where the host has it, plain JavaScript otherwise. Both are deterministic: the same input gives a
// bit-identical output; they round differently (the SIMD exp is Cephes' expf, within a few float32
// ulps), so they agree to within float32 rounding.

import { jsSoftmaxRows, type SoftmaxRows } from "./js-softmax";
import { SimdSoftmax } from "./simd-softmax";

let chosen: SoftmaxRows | undefined;

/**
 * y[r, :] = softmax(x[r, :] + bias) = e^(z − max) / Σ e^(z − max), z = x[r, :] + bias (x[r, :] without
 * a bias), for the first `rows` rows of `width` floats (y may be x); the floats after them are left as
 * they are. The bias (a dense layer's, folded in here rather than added by a pass of its own) is a
 * row of `width` floats, its sum with x rounded to float32.
 */
export function softmaxRows(x: Float32Array, y: Float32Array, rows: number, width: number, bias: Float32Array | null = null): void {
  checkArguments(x, y, rows, width, bias);
  chosen ??= SimdSoftmax.create()?.softmaxRows ?? jsSoftmaxRows;
  chosen(x, y, rows, width, bias);
}

function checkArguments(x: Float32Array, y: Float32Array, rows: number, width: number, bias: Float32Array | null): void {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`softmaxRows: rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`softmaxRows: width must be a positive integer, got ${width}`);
  if (x.length < rows * width) throw new RangeError(`softmaxRows: x holds ${x.length} floats, needs ${rows * width}`);
  if (y.length < rows * width) throw new RangeError(`softmaxRows: y holds ${y.length} floats, needs ${rows * width}`);
  if (bias !== null && !(bias instanceof Float32Array)) throw new TypeError(`softmaxRows: bias must be a Float32Array or null, got ${typeof bias}`);
  if (bias !== null && bias.length < width) throw new RangeError(`softmaxRows: bias holds ${bias.length} floats, needs ${width}`);
}
