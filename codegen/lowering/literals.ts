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

/** The floats a pass of rowCopy's loop moves: V8 runs a copy of 16 statements a pass about twice as fast as one of one. */
const COPIED_TOGETHER = [16, 8, 4] as const;

/**
 * `target[targetAt + j] op source[sourceAt + j]` for j in [0, width): a row copied (op "=") or added
 * ("+="): written out whole up to 16 floats, else 16, 8 or 4 a pass (the most that divides the width).
 */
export function rowCopy(target: string, targetAt: string, source: string, sourceAt: string, width: number, op: "=" | "+=" = "="): string[] {
  const at = (start: string, j: string) => (j === "0" ? start : `${start} + ${j}`);
  const statement = (j: string) => `${target}[${at(targetAt, j)}] ${op} ${source}[${at(sourceAt, j)}];`;
  if (width <= COPIED_TOGETHER[0]) return Array.from({ length: width }, (_, i) => statement(String(i)));
  const together = COPIED_TOGETHER.find((n) => width % n === 0);
  if (together === undefined) return [`for (let j = 0; j < ${width}; j++) ${statement("j")}`];
  const offsets = Array.from({ length: together }, (_, i) => i);
  return [`for (let j = 0; j < ${width}; j += ${together}) {`, ...offsets.map((i) => statement(i === 0 ? "j" : `j + ${i}`)), `}`];
}
