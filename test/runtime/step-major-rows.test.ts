import { describe, expect, it } from "vitest";
import { gemmThreads, residentFloats, simdGemm, startThreads } from "../../runtime/gemm/gemm";
import { withThreads } from "../../runtime/threads/threads";
import { gatherStepMajor, scatterAddStepMajor, zeroRowsById } from "../../runtime/sparse/step-major-rows";
import { Random } from "../../runtime/random";

const [steps, batch, vocabulary] = [5, 3, 6];
// example 0 names id 2 three times and example 2 names id 5 twice, so the scatter-add sums rows in an order
const IDS = Int32Array.from([2, 0, 2, 1, 2, /**/ 4, 3, 3, 0, 1, /**/ 5, 1, 0, 0, 5]);

const randomFloats = (count: number, seed: number): Float32Array => {
  const random = new Random(seed);
  return Float32Array.from({ length: count }, () => random.uniform() * 2 - 1);
};

/** The table row each step-major row holds, written out by hand from IDS: row t·batch + b reads example b's id at step t, or at steps-1-t backwards. */
function expectedGatherIds(backwards: boolean): number[] {
  const ids: number[] = [];
  for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) ids.push(IDS[b * steps + (backwards ? steps - 1 - t : t)]!);
  return ids;
}

/** A float64 reference of the scatter-add, in the order b, then t, each sum rounded to float32 as it goes. */
function referenceScatter(grad: Float32Array, width: number, backwards: boolean, dxt: Float32Array): Float32Array {
  const out = Float32Array.from(grad);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const id = IDS[b * steps + (backwards ? steps - 1 - t : t)]!;
      for (let j = 0; j < width; j++) out[id * width + j] = Math.fround(out[id * width + j]! + dxt[(t * batch + b) * width + j]!);
    }
  }
  return out;
}

/** `values` in a new array: in gemm's resident heap when `resident`, else a plain one. */
function placed(values: Float32Array, resident: boolean, owner: object): Float32Array {
  const array = resident ? residentFloats(values.length, owner) : new Float32Array(values.length);
  array.set(values);
  return array;
}

const heap = simdGemm()?.residentHeap ?? null;
const placements = heap ? [false, true] : [false];

describe.each(placements)("an embedding's rows step-major (arrays in gemm's resident heap: %s)", (resident) => {
  it.each([4, 8, 3])("gathers the rows the ids name, in the order of the steps, forwards and backwards (width %i)", (width) => {
    const owner = {};
    const table = placed(randomFloats(vocabulary * width, 1), resident, owner);
    for (const backwards of [false, true]) {
      const xt = placed(new Float32Array(steps * batch * width).fill(NaN), resident, owner);
      gatherStepMajor(xt, table, width, IDS, steps, batch, backwards);
      const expected = expectedGatherIds(backwards).flatMap((id) => [...table.subarray(id * width, (id + 1) * width)]);
      expect([...xt]).toEqual(expected);
    }
  });

  it.each([4, 8, 3])("scatter-adds dX's rows into the rows the ids name, summing repeated ids in the order b, then t (width %i)", (width) => {
    const owner = {};
    for (const backwards of [false, true]) {
      const start = randomFloats(vocabulary * width, 2);
      const dxt = randomFloats(steps * batch * width, 3);
      const grad = placed(start, resident, owner);
      scatterAddStepMajor(grad, width, IDS, steps, batch, backwards, placed(dxt, resident, owner));
      expect(grad).toEqual(referenceScatter(start, width, backwards, dxt));
    }
  });

  it("zeroes exactly the listed rows", () => {
    const width = 8;
    const grad = placed(randomFloats(vocabulary * width, 4), resident, {});
    const before = Float32Array.from(grad);
    zeroRowsById(grad, width, Int32Array.from([4, 1, 9]), 2); // the third entry is past the count
    for (let row = 0; row < vocabulary; row++) {
      const expected = row === 4 || row === 1 ? new Float32Array(width) : before.subarray(row * width, (row + 1) * width);
      expect(grad.subarray(row * width, (row + 1) * width), `row ${row}`).toEqual(expected);
    }
  });

  it("refuses an id outside the table, naming it, and a tape too short, before writing anything", () => {
    const width = 4;
    const owner = {};
    const table = placed(randomFloats(vocabulary * width, 5), resident, owner);
    const bad = Int32Array.from(IDS);
    bad[7] = vocabulary;
    const xt = placed(new Float32Array(steps * batch * width), resident, owner);
    expect(() => gatherStepMajor(xt, table, width, bad, steps, batch, false)).toThrow("embedding: the id at position 7 is 6, not a row of the table (0 … 5)");
    expect(xt.every((x) => x === 0)).toBe(true);
    bad[7] = -1;
    const grad = placed(new Float32Array(vocabulary * width), resident, owner);
    expect(() => scatterAddStepMajor(grad, width, bad, steps, batch, false, xt)).toThrow("the id at position 7 is -1");
    expect(grad.every((x) => x === 0)).toBe(true);
    const short = placed(new Float32Array(steps * batch * width - 1), resident, owner);
    expect(() => gatherStepMajor(short, table, width, IDS, steps, batch, false)).toThrow("embedding: xt holds 59 floats, needs 60");
    expect(() => scatterAddStepMajor(grad, width, IDS, steps, batch, false, short)).toThrow("embedding: dxt holds 59 floats, needs 60");
    expect(grad.every((x) => x === 0)).toBe(true);
  });
});

describe.skipIf(!heap)("an embedding's rows step-major in bands on gemm's worker threads", () => {
  it("gather, zeroing and scatter-add with every band left to the workers give the bits of the JavaScript loops", async () => {
    const [rowsOfTable, width, longSteps, wideBatch] = [5000, 64, 40, 64];
    const random = new Random(9);
    // ids bunched on few rows, so that bands of the table's rows see many repeats
    const ids = Int32Array.from({ length: longSteps * wideBatch }, () => Math.floor(random.uniform() ** 3 * rowsOfTable));
    const owner = {};
    const table = placed(randomFloats(rowsOfTable * width, 10), true, owner);
    const dxt = placed(randomFloats(longSteps * wideBatch * width, 11), true, owner);
    const start = randomFloats(rowsOfTable * width, 12);
    const expected = { xt: new Float32Array(longSteps * wideBatch * width), grad: Float32Array.from(start) };
    // plain arrays: the JavaScript loops
    gatherStepMajor(expected.xt, Float32Array.from(table), width, ids, longSteps, wideBatch, true);
    zeroRowsById(expected.grad, width, Int32Array.from([5, 4999, 0]), 3);
    scatterAddStepMajor(expected.grad, width, ids, longSteps, wideBatch, true, Float32Array.from(dxt));

    await startThreads(2);
    const threads = gemmThreads()!;
    const before = threads.chunks.byWorkers;
    const [xt, grad] = [placed(new Float32Array(longSteps * wideBatch * width), true, owner), placed(start, true, owner)];
    threads.callerWorks = false;
    try {
      withThreads(2, "test", () => {
        gatherStepMajor(xt, table, width, ids, longSteps, wideBatch, true);
        zeroRowsById(grad, width, Int32Array.from([5, 4999, 0]), 3);
        scatterAddStepMajor(grad, width, ids, longSteps, wideBatch, true, dxt);
      });
    } finally {
      threads.callerWorks = true;
    }
    expect(threads.chunks.byWorkers - before, "bands the workers took").toBeGreaterThanOrEqual(4);
    expect(xt).toEqual(expected.xt);
    expect(grad).toEqual(expected.grad);
  });
});
