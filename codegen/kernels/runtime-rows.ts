// Wide rows (a language model's vocabulary) hand the cross-entropy (its value, and its gradient after
// a softmax) and the bias gradient to the runtime's WebAssembly SIMD helpers (runtime/rows): each a
// copy in, a pass of four lanes and a copy out, where the inline loop costs a few nanoseconds a float.
// Narrower rows keep the inline loops, which cost less than the call and its copies.

/** The row width from which these steps call the runtime. */
export const RUNTIME_ROWS_MIN_WIDTH = 256;

export const usesRuntimeRows = (width: number): boolean => width >= RUNTIME_ROWS_MIN_WIDTH;

/** total += the mean over the rows of −Σ y log clip(p / Σp), y as in runtimeCrossentropyGradient. */
export function runtimeCrossentropyLoss(p: string, target: string, rows: string, width: number, sparse: boolean): string[] {
  const y = sparse ? `the one-hot row of class id ${target}[r]` : `${target}[r, :]`;
  return [
    `// the mean over rows of −Σ y log clip(${p}[r, :] / Σ ${p}[r, :]), y ${y}`,
    `total += crossentropyLoss(${p}, ${target}, ${rows}, ${width}, "${sparse ? "classIds" : "oneHot"}");`,
  ];
}

/** d[r, :] = (p[r, :] − y[r, :]) / rows, y the one-hot row of class id target[r] or the row target[r, :]. */
export function runtimeCrossentropyGradient(p: string, target: string, d: string, rows: string, width: number, sparse: boolean): string[] {
  const y = sparse ? `the one-hot row of class id ${target}[r]` : `${target}[r, :]`;
  return [`// ${d}[r, :] = (${p}[r, :] − y[r, :]) / rows, y ${y}`, `crossentropyGradient(${p}, ${target}, ${d}, ${rows}, ${width}, "${sparse ? "classIds" : "oneHot"}");`];
}

/** db[j] (=|+=) Σ over rows of dy[r, j], each column summed in float64 from row 0 down. */
export function runtimeColumnSums(db: string, op: string, dy: string, rows: string, width: number): string[] {
  return [`// ${db} ${op} Σ over rows of ${dy}`, `sumColumns(${dy}, ${db}, ${rows}, ${width}, "${op === "+=" ? "add" : "set"}");`];
}
