// keras_preprocessing's Tokenizer.sequences_to_matrix: one row per sequence, one column per word
// index below the width (column 0, never a word, stays 0). Indices at or past the width are skipped,
// but still count in the length that "freq" divides by, as in Keras.

import { describeValue } from "./check";

export type MatrixMode = "binary" | "count" | "tfidf" | "freq";

export const MATRIX_MODES: readonly MatrixMode[] = ["binary", "count", "tfidf", "freq"];

/** Compressed sparse rows: row r's non-zeros are columns indices[p], values values[p], p in [indptr[r], indptr[r + 1]). */
export interface CsrMatrix {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export interface MatrixOptions {
  /** Return compressed sparse rows (columns ascending within a row) instead of a dense row-major matrix. */
  readonly sparse?: boolean;
}

export function checkMode(mode: unknown, what: string): MatrixMode {
  if (!MATRIX_MODES.includes(mode as MatrixMode)) throw new Error(`${what}: unknown mode ${describeValue(mode)}; expected "binary", "count", "tfidf" or "freq"`);
  return mode as MatrixMode;
}

/** What tfidf needs from a fitted tokenizer. */
export interface DocumentFrequencies {
  readonly documentCount: number;
  readonly indexDocs: ReadonlyMap<number, number>;
}

/** The value of column j in a row of `length` indices where j occurs `count` times. */
function weigher(mode: MatrixMode, width: number, docs: DocumentFrequencies): (column: number, count: number, length: number) => number {
  switch (mode) {
    case "binary":
      return () => 1;
    case "count":
      return (_, count) => count;
    case "freq":
      return (_, count, length) => count / length;
    case "tfidf": {
      // Weighting scheme 2 of https://en.wikipedia.org/wiki/Tf-idf, as Keras: (1 + ln c) · ln(1 + N / (1 + n_j)).
      const idf = new Float64Array(width);
      for (let j = 0; j < width; j++) idf[j] = Math.log(1 + docs.documentCount / (1 + (docs.indexDocs.get(j) ?? 0)));
      return (column, count) => (1 + Math.log(count)) * idf[column]!;
    }
  }
}

/** Counts one sequence's indices below the width into `counts`; returns the columns met, in first-seen order. */
function countRow(seq: ArrayLike<number>, width: number, counts: Int32Array, columns: number[]): void {
  columns.length = 0;
  for (let k = 0; k < seq.length; k++) {
    const j = seq[k]!;
    if (j >= width) continue;
    if (counts[j]++ === 0) columns.push(j);
  }
}

export function denseMatrix(sequences: readonly ArrayLike<number>[], width: number, mode: MatrixMode, docs: DocumentFrequencies): Float32Array {
  const size = sequences.length * width;
  let out: Float32Array;
  try {
    out = new Float32Array(size);
  } catch {
    throw new Error(`textsToMatrix: a dense ${sequences.length} x ${width} matrix (${size} floats) is too large; pass { sparse: true } for compressed sparse rows`);
  }
  const value = weigher(mode, width, docs);
  const counts = new Int32Array(width);
  const columns: number[] = [];
  sequences.forEach((seq, i) => {
    countRow(seq, width, counts, columns);
    for (const j of columns) {
      out[i * width + j] = value(j, counts[j]!, seq.length);
      counts[j] = 0;
    }
  });
  return out;
}

export function sparseMatrix(sequences: readonly ArrayLike<number>[], width: number, mode: MatrixMode, docs: DocumentFrequencies): CsrMatrix {
  const value = weigher(mode, width, docs);
  const counts = new Int32Array(width);
  const columns: number[] = [];
  const indptr = new Int32Array(sequences.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  sequences.forEach((seq, i) => {
    countRow(seq, width, counts, columns);
    columns.sort((a, b) => a - b);
    for (const j of columns) {
      indices.push(j);
      values.push(value(j, counts[j]!, seq.length));
      counts[j] = 0;
    }
    indptr[i + 1] = indices.length;
  });
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}
