// The wide-row helpers in plain JavaScript, for hosts without WebAssembly SIMD: each product in
// float64, rounded to float32 when stored; each column summed in float64 from row 0 down.

/** How the targets give y: a class id per row (y its one-hot row), or the rows of y themselves. */
export type TargetKind = "classIds" | "oneHot";

/** d[r, :] = (p[r, :] − y[r, :]) / rows; see crossentropy-gradient.ts. */
export type CrossentropyGradient = (p: Float32Array, targets: Float32Array, d: Float32Array, rows: number, width: number, kind: TargetKind) => void;

/** sums[j] = (or +=) Σ over the rows of x[r, j]; see sum-columns.ts. */
export type SumColumns = (x: Float32Array, sums: Float32Array, rows: number, width: number, mode: "set" | "add") => void;

/** Σ over each of the first `rows` rows of `width` floats, in float64: a view good until the next call. */
export type RowSums = (x: Float32Array, rows: number, width: number) => Float64Array<ArrayBufferLike>;

export const jsCrossentropyGradient: CrossentropyGradient = (p, targets, d, rows, width, kind) => {
  const scale = 1 / rows;
  if (kind === "oneHot") {
    for (let i = 0; i < rows * width; i++) d[i] = (p[i]! - targets[i]!) * scale;
    return;
  }
  for (let i = 0; i < rows * width; i++) d[i] = p[i]! * scale;
  for (let r = 0; r < rows; r++) d[r * width + targets[r]!]! -= scale;
};

export const jsSumColumns: SumColumns = (x, sums, rows, width, mode) => {
  for (let j = 0; j < width; j++) {
    let total = 0;
    for (let r = 0; r < rows; r++) total += x[r * width + j]!;
    sums[j] = mode === "add" ? sums[j]! + total : total;
  }
};

let rowTotals = new Float64Array(0);

export const jsRowSums: RowSums = (x, rows, width) => {
  if (rowTotals.length < rows) rowTotals = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let j = 0; j < width; j++) total += x[r * width + j]!;
    rowTotals[r] = total;
  }
  return rowTotals.subarray(0, rows);
};
