import { describe, expect, it } from "vitest";
import { zeroWrittenRows } from "../../runtime/sparse/zero-written-rows";
import { Random } from "../../runtime/random";

// An embedding's table gradient, as its generated backward step makes it: zeroed (whole, or only the
// rows the previous batch wrote), then each position's upstream row scatter-added into its id's row.
// Zeroing only the written rows must give the gradient of zeroing it whole, bit for bit, batch after
// batch, and that gradient the float64 sum worked out position by position.

const DIM = 5;

function batchOf(random: Random, positions: number, vocabulary: number): { ids: Int32Array; dy: Float32Array } {
  // ids from a small range sometimes, so that rows repeat within a batch and across batches
  const ids = Int32Array.from({ length: positions }, (_, r) => Math.floor(random.uniform() * (r % 3 === 0 ? 6 : vocabulary)));
  const dy = Float32Array.from({ length: positions * DIM }, (_, i) => (i % 9 === 0 ? -0 : random.uniform() * 2 - 1));
  return { ids, dy };
}

/** The generated step's scatter-add. */
function scatterAdd(grad: Float32Array, ids: Int32Array, dy: Float32Array): void {
  for (let r = 0; r < ids.length; r++) for (let j = 0; j < DIM; j++) grad[ids[r]! * DIM + j]! += dy[r * DIM + j]!;
}

function reference(ids: Int32Array, dy: Float32Array, vocabulary: number): Float64Array {
  const sums = new Float64Array(vocabulary * DIM);
  ids.forEach((id, r) => {
    for (let j = 0; j < DIM; j++) sums[id * DIM + j]! += dy[r * DIM + j]!;
  });
  return sums;
}

describe("zeroWrittenRows", () => {
  // 40 rows: the batches name a large part of the table, which is zeroed whole; 4000: row by row
  it.each([40, 4000])("zeroing only the rows the last batch wrote gives the gradient of zeroing it whole, bit for bit (%i rows)", (vocabulary) => {
    const random = new Random(4);
    const whole = new Float32Array(vocabulary * DIM);
    // whatever the gradient holds before the first call is zeroed then
    const written = new Float32Array(vocabulary * DIM).fill(3);
    for (const [step, positions] of [12, 30, 4, 0, 25, 9, 40, 200, 3].entries()) {
      const { ids, dy } = batchOf(random, positions, vocabulary);
      whole.fill(0);
      scatterAdd(whole, ids, dy);
      zeroWrittenRows(written, DIM, ids, ids.length);
      scatterAdd(written, ids, dy);
      expect(new Uint32Array(written.buffer), `step ${step}`).toEqual(new Uint32Array(whole.buffer));
      const expected = reference(ids, dy, vocabulary);
      whole.forEach((g, i) => expect(g, `step ${step}, ${i}`).toBeCloseTo(expected[i]!, 5));
    }
  });
});
