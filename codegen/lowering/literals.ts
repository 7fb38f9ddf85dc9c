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
