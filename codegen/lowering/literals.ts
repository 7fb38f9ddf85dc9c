// Small arithmetic in generated code, with literals folded: `batch`, not `batch * 1`.

/** `batch * n` (or just `batch`). */
export function perBatch(n: number, batch = "batch"): string {
  return n === 1 ? batch : `${batch} * ${n}`;
}

/** numerator / (batch * n), folded: 2 / (batch * 2) is `1 / batch`. */
export function overBatch(numerator: number, n: number): string {
  if (n === 1) return `${numerator} / batch`;
  if (numerator % n === 0) return `${numerator / n} / batch`;
  return `${numerator} / (batch * ${n})`;
}

/** Zeroes the first `count` floats of `buf`: TypedArray fill is a memset, a loop of stores about 15 times slower over an embedding's gradient. */
export function zeroFill(buf: string, count: number): string {
  return `${buf}.fill(0, 0, ${count});`;
}
