// Sparse inputs (bag-of-words rows, ~1% non-zero) as compressed sparse rows: given so by the user
// ({ indptr, indices, values }), or converted from dense examples.

import type { IRInput } from "../dsl/ir";
import { flattenInput, type CsrData } from "./data";
import type { SparseRows } from "./kernels";
import { product } from "./product";

/** All examples of a sparse input: row r's non-zeros are [indptr[r], indptr[r + 1]) of indices and values. */
export interface SparseExamples extends SparseRows {
  readonly kind: "sparse";
  readonly count: number;
}

function isCsr(data: unknown): data is CsrData {
  return typeof data === "object" && data !== null && "indptr" in data && "indices" in data && "values" in data;
}

function checkCsr({ indptr, indices, values }: CsrData, features: number, what: string): void {
  const fail = (why: string) => {
    throw new Error(`${what}: not valid compressed sparse rows: ${why}`);
  };
  if (indptr.length < 2 || indptr[0] !== 0) fail("indptr must start at 0 and hold one more entry than there are examples");
  for (let r = 1; r < indptr.length; r++) if (!(indptr[r]! >= indptr[r - 1]!) || !Number.isInteger(indptr[r])) fail(`indptr must not decrease (entry ${r})`);
  if (indptr[indptr.length - 1] !== indices.length || indices.length !== values.length) fail("indptr's last entry, indices and values must agree on the number of non-zeros");
  for (let p = 0; p < indices.length; p++) {
    if (!Number.isInteger(indices[p]) || indices[p]! < 0 || indices[p]! >= features) fail(`column index ${indices[p]} at ${p} is outside [0, ${features})`);
    if (!Number.isFinite(values[p])) fail(`value ${values[p]} at ${p} is NaN or infinite`);
  }
}

function fromDense(values: Float32Array | Int32Array, count: number, features: number): SparseExamples {
  const indptr = new Int32Array(count + 1);
  const columns: number[] = [];
  const numbers: number[] = [];
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < features; j++) {
      const v = values[r * features + j]!;
      if (v !== 0) columns.push(j), numbers.push(v);
    }
    indptr[r + 1] = columns.length;
  }
  return { kind: "sparse", indptr, indices: Int32Array.from(columns), values: Float32Array.from(numbers), count };
}

export function sparseInput(data: unknown, input: IRInput, what: string): SparseExamples {
  const features = product(input.shape);
  if (isCsr(data)) {
    checkCsr(data, features, what);
    const { indptr, indices, values } = data;
    return { kind: "sparse", indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), values: Float32Array.from(values), count: indptr.length - 1 };
  }
  const dense = flattenInput(data, input, what);
  return fromDense(dense.values, dense.count, features);
}

/** Examples [from, to): the row starts are a view, the non-zeros stay where they are. */
export function sliceSparse(rows: SparseExamples, from: number, to: number): SparseExamples {
  return { ...rows, indptr: rows.indptr.subarray(from, to + 1), count: to - from };
}

/** Copies rows order[start..start+batch) into a batch's CSR buffers. Allocates nothing. */
export function loadSparseRows(from: SparseExamples, to: SparseRows, order: Int32Array, start: number, batch: number): void {
  let nonZeros = 0;
  to.indptr[0] = 0;
  for (let r = 0; r < batch; r++) {
    const row = order[start + r]!;
    for (let p = from.indptr[row]!; p < from.indptr[row + 1]!; p++) {
      to.indices[nonZeros] = from.indices[p]!;
      to.values[nonZeros] = from.values[p]!;
      nonZeros++;
    }
    to.indptr[r + 1] = nonZeros;
  }
}
