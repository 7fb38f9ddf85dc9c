// The softmax of each row in plain JavaScript, for hosts without WebAssembly SIMD: e^(x − max) in
// float64 (Math.exp), the sum in float64, each quotient rounded to float32 once, when stored. A bias
// is added first, each x + bias rounded to float32 in y, as the SIMD kernel does.

/** y[r, :] = softmax(x[r, :] + bias) for the first `rows` rows of `width` floats (no bias: null); see softmax.ts. */
export type SoftmaxRows = (x: Float32Array, y: Float32Array, rows: number, width: number, bias?: Float32Array | null) => void;

export const jsSoftmaxRows: SoftmaxRows = (x, y, rows, width, bias = null) => {
  if (bias) {
    for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) y[r * width + j] = x[r * width + j]! + bias[j]!;
    x = y;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let max = x[o]!;
    for (let j = 1; j < width; j++) if (x[o + j]! > max) max = x[o + j]!;
    let total = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp(x[o + j]! - max);
      y[o + j] = e;
      total += e;
    }
    for (let j = 0; j < width; j++) y[o + j]! /= total;
  }
};
