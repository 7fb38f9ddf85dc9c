import { describe, expect, it } from "vitest";
import { embeddingGradient } from "../../runtime/sparse/embedding-gradient";
import { Random } from "../../runtime/random";

// An embedding's backward scatter-add: each position's upstream row added into its id's row of the
// table gradient, against a float64 sum worked out position by position; and zeroing only the rows
// the previous batch wrote against zeroing the whole gradient, bit for bit, batch after batch.

const [VOCABULARY, DIM] = [40, 5];

function batchOf(random: Random, positions: number): { ids: Int32Array; dy: Float32Array } {
  // ids from a small range sometimes, so that rows repeat within a batch and across batches
  const ids = Int32Array.from({ length: positions }, (_, r) => Math.floor(random.uniform() * (r % 3 === 0 ? 6 : VOCABULARY)));
  // zeros make -0 rows with a negative upstream value nowhere else: a zeroed row plus -0 stays +0
  const dy = Float32Array.from({ length: positions * DIM }, (_, i) => (i % 9 === 0 ? -0 : random.uniform() * 2 - 1));
  return { ids, dy };
}

function reference(ids: Int32Array, dy: Float32Array): Float64Array {
  const sums = new Float64Array(VOCABULARY * DIM);
  ids.forEach((id, r) => {
    for (let j = 0; j < DIM; j++) sums[id * DIM + j]! += dy[r * DIM + j]!;
  });
  return sums;
}

describe("embeddingGradient", () => {
  it("adds each position's row into its id's row, replacing or adding to the gradient", () => {
    const random = new Random(3);
    const { ids, dy } = batchOf(random, 30);
    const expected = reference(ids, dy);
    for (const start of ["zero", "touchedRows"] as const) {
      const grad = Float32Array.from({ length: VOCABULARY * DIM }, () => 5);
      embeddingGradient(ids.length, DIM, ids, dy, grad, start);
      grad.forEach((g, i) => expect(g, `${start} ${i}`).toBeCloseTo(expected[i]!, 5));
    }
    const grad = Float32Array.from({ length: VOCABULARY * DIM }, () => 5);
    embeddingGradient(ids.length, DIM, ids, dy, grad, "accumulate");
    grad.forEach((g, i) => expect(g).toBeCloseTo(5 + expected[i]!, 5));
  });

  it("zeroing only the rows the last batch wrote gives the gradient of zeroing it whole, bit for bit", () => {
    const random = new Random(4);
    const whole = new Float32Array(VOCABULARY * DIM);
    const touched = new Float32Array(VOCABULARY * DIM);
    for (const [step, positions] of [12, 30, 4, 0, 25, 9, 40].entries()) {
      const { ids, dy } = batchOf(random, positions);
      embeddingGradient(positions, DIM, ids, dy, whole, "zero");
      embeddingGradient(positions, DIM, ids, dy, touched, "touchedRows");
      expect(new Uint32Array(touched.buffer), `step ${step}`).toEqual(new Uint32Array(whole.buffer));
      const expected = reference(ids, dy);
      whole.forEach((g, i) => expect(g, `step ${step}, ${i}`).toBeCloseTo(expected[i]!, 5));
    }
  });
});
