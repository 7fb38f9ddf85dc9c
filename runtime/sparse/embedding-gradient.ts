// The backward scatter-add of an embedding, called by generated code: each position's upstream row
// added into the table gradient's row of its id. A batch names a few thousand of a vocabulary's ids,
// so where the embedding is the gradient's one writer only the rows the previous batch wrote are
// zeroed (TouchedRows), with the result of zeroing the whole table's gradient.

import type { GradientStart } from "./sparse-product";
import { touchedRowsOf } from "./sparse-product";

/** dTable[ids[r]] (=|+=) dy[r] for positions r < `positions`, rows of `dim` floats. Allocates nothing after its first call. */
export function embeddingGradient(positions: number, dim: number, ids: Int32Array, dy: Float32Array, dTable: Float32Array, start: GradientStart): void {
  const touched = start === "touchedRows" ? touchedRowsOf(dTable, dim) : null;
  if (start === "zero") dTable.fill(0);
  touched?.begin();
  for (let r = 0; r < positions; r++) {
    const id = ids[r]!;
    const row = id * dim;
    const o = r * dim;
    // 0 + dy, not dy: a zeroed row plus -0 is +0, and so must the first write be
    if (touched && touched.first(id)) for (let j = 0; j < dim; j++) dTable[row + j] = 0 + dy[o + j]!;
    else for (let j = 0; j < dim; j++) dTable[row + j]! += dy[o + j]!;
  }
  touched?.clearStale(dTable, dim);
}
