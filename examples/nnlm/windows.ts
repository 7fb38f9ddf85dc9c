// Training examples of a language model: each word of a text with the n words before it. A text
// starts with n padding ids (0), so its first words are predicted too, from the padding.

/** Windows of `n` previous ids, row-major (what an int32 input of shape [n] takes), and each next id. */
export interface Windows {
  readonly n: number;
  readonly count: number;
  /** count × n ids. */
  readonly x: Int32Array;
  /** count ids: the word after each window. */
  readonly y: Int32Array;
}

export const PAD = 0;

export function windowsOf(sequences: readonly (readonly number[])[], n: number): Windows {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`windowsOf: the window must be a positive integer, got ${n}`);
  const count = sequences.reduce((sum, ids) => sum + ids.length, 0);
  const x = new Int32Array(count * n);
  const y = new Int32Array(count);
  let at = 0;
  for (const ids of sequences) {
    ids.forEach((id, t) => {
      for (let k = 0; k < n; k++) x[at * n + k] = t - n + k >= 0 ? ids[t - n + k]! : PAD;
      y[at++] = id;
    });
  }
  return { n, count, x, y };
}

/** Windows [from, to) as a Windows of their own (views, no copy). */
export function sliceWindows(w: Windows, from: number, to: number): Windows {
  return { n: w.n, count: to - from, x: w.x.subarray(from * w.n, to * w.n), y: w.y.subarray(from, to) };
}
