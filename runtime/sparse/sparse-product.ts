// The products of a dense layer fed compressed sparse rows (CSR), called by generated code: the
// forward row gather and the backward scatter-add into the kernel's gradient. On WebAssembly SIMD
// where the model keeps its weights in a SparseMemory and the layer's width is a multiple of 16;
// in plain JavaScript otherwise. Both are deterministic; they round differently (JavaScript adds
// each exact product in float64 before rounding, WebAssembly rounds the product to float32 first).

import { sparseMemoryOf } from "./sparse-memory";
import { TouchedRows } from "./touched-rows";
import { StepPart, stepTimer } from "../step-timing";

/**
 * What the kernel's gradient holds before the scatter-add: "accumulate" adds to it, "zero" zeroes
 * it whole first, "touchedRows" gives the same result as "zero" by zeroing only the rows the
 * previous call wrote; only for a gradient nothing else writes between calls.
 */
export type GradientStart = "accumulate" | "zero" | "touchedRows";

const touchedByGradient = new WeakMap<Float32Array, TouchedRows>();

/**
 * out = x · kernel + bias for the first `batch` CSR rows of x (row r's non-zeros are
 * [indptr[r], indptr[r + 1]) of indices and values); kernel is [columns x n], out [batch x n], bias
 * n floats or null. Allocates nothing. Its time counts as gemm in the step timer's breakdown.
 */
export function sparseProduct(batch: number, n: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, kernel: Float32Array, bias: Float32Array | null, out: Float32Array): void {
  if (!stepTimer.enabled) return gather(batch, n, indptr, indices, values, kernel, bias, out);
  return stepTimer.timed(StepPart.gemm, () => gather(batch, n, indptr, indices, values, kernel, bias, out));
}

function gather(batch: number, n: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, kernel: Float32Array, bias: Float32Array | null, out: Float32Array): void {
  if (batch === 0) return;
  const memory = sparseMemoryOf(kernel, n);
  if (memory && (bias === null || bias.buffer === kernel.buffer)) memory.gather(batch, n, indptr, indices, values, kernel, bias, out);
  else jsGather(batch, n, indptr, indices, values, kernel, bias, out);
}

/**
 * dw (=|+=) xᵀ · dz for the first `batch` CSR rows of x; dz is [batch x n], dw [columns x n]. Allocates
 * nothing after its first call. Its time counts as gemm in the step timer's breakdown.
 */
export function sparseWeightGradient(batch: number, n: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, dz: Float32Array, dw: Float32Array, start: GradientStart): void {
  if (!stepTimer.enabled) return scatter(batch, n, indptr, indices, values, dz, dw, start);
  return stepTimer.timed(StepPart.gemm, () => scatter(batch, n, indptr, indices, values, dz, dw, start));
}

function scatter(batch: number, n: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, dz: Float32Array, dw: Float32Array, start: GradientStart): void {
  const touched = start === "touchedRows" ? touchedRowsOf(dw, n) : null;
  if (start === "zero") dw.fill(0);
  touched?.begin();
  const memory = sparseMemoryOf(dw, n);
  if (memory) memory.scatter(batch, n, indptr, indices, values, dz, dw, touched);
  else jsScatter(batch, n, indptr, indices, values, dz, dw, touched);
  touched?.clearStale(dw, n);
}

/** The TouchedRows kept for a gradient of rows of `n` floats. */
export function touchedRowsOf(dw: Float32Array, n: number): TouchedRows {
  let touched = touchedByGradient.get(dw);
  if (!touched) touchedByGradient.set(dw, (touched = new TouchedRows(dw.length / n)));
  return touched;
}

function jsGather(batch: number, n: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, kernel: Float32Array, bias: Float32Array | null, out: Float32Array): void {
  for (let r = 0; r < batch; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) out[o + j] = bias ? bias[j]! : 0;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const row = indices[p]! * n;
      const v = values[p]!;
      for (let j = 0; j < n; j++) out[o + j]! += v * kernel[row + j]!;
    }
  }
}

function jsScatter(batch: number, n: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, dz: Float32Array, dw: Float32Array, touched: TouchedRows | null): void {
  for (let r = 0; r < batch; r++) {
    const o = r * n;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const column = indices[p]!;
      const row = column * n;
      const v = values[p]!;
      // 0 + v·dz, not v·dz: a zeroed row plus -0 is +0, and so must the first write be
      if (touched && touched.first(column)) for (let j = 0; j < n; j++) dw[row + j] = 0 + v * dz[o + j]!;
      else for (let j = 0; j < n; j++) dw[row + j]! += v * dz[o + j]!;
    }
  }
}
