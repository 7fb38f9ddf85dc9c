// A bias gradient over wide rows (a language model's vocabulary): the sum of each column, down the
// rows, on WebAssembly SIMD where the host has it, plain JavaScript otherwise. Both add each column in
// float64 from row 0 down and round the sum once, so they give the same bits.

import { jsSumColumns, type SumColumns } from "./js-rows";
import { SimdRows } from "./simd-rows";

let chosen: SumColumns | undefined;

/** sums[j] = Σ over the first `rows` rows of x[r, j] ("set"), or sums[j] += it ("add"), for j < width. */
export function sumColumns(x: Float32Array, sums: Float32Array, rows: number, width: number, mode: "set" | "add"): void {
  checkArguments(x, sums, rows, width, mode);
  chosen ??= SimdRows.create()?.sumColumns ?? jsSumColumns;
  chosen(x, sums, rows, width, mode);
}

function checkArguments(x: Float32Array, sums: Float32Array, rows: number, width: number, mode: "set" | "add"): void {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`sumColumns: rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`sumColumns: width must be a positive integer, got ${width}`);
  if (mode !== "set" && mode !== "add") throw new RangeError(`sumColumns: mode must be "set" or "add", got ${JSON.stringify(mode)}`);
  if (x.length < rows * width) throw new RangeError(`sumColumns: x holds ${x.length} floats, needs ${rows * width}`);
  if (sums.length < width) throw new RangeError(`sumColumns: sums holds ${sums.length} floats, needs ${width}`);
}
