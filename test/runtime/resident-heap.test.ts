import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { RegionAllocator } from "../../runtime/wasm/region-allocator";
import { gemmThreads, residentFloats, simdGemm, startThreads } from "../../runtime/gemm/gemm";
import { withThreads } from "../../runtime/threads/threads";
import { Random } from "../../runtime/random";
import { allReferenceProblems, describeProblem, randomOperands, type Problem } from "../support/gemm-reference";
import { softmaxRows } from "../../runtime/activations/softmax";
import { crossentropyGradient } from "../../runtime/rows/crossentropy-gradient";
import { sumColumns } from "../../runtime/rows/sum-columns";
import { crossentropyLoss } from "../../runtime/rows/crossentropy-loss";
import { createOptimizer } from "../../runtime/optimizers";
import { weightStore } from "../../runtime/weight-store";
import { adam, rmsprop } from "../../dsl/config/optimizers";
import { firstDifference } from "../support/same-bits";

describe("RegionAllocator", () => {
  it("takes the lowest free gap that fits, else the top; merges what comes back with its free neighbours and lowers the top", () => {
    const regions = new RegionAllocator(64);
    const [a, b, c] = [regions.take(64), regions.take(128), regions.take(64)];
    expect([a.at, b.at, c.at, regions.top]).toEqual([64, 128, 256, 320]);
    regions.giveBack(a);
    expect(regions.take(128).at, "the 64-byte gap at 64 is too small").toBe(320);
    expect(regions.take(64).at, "the gap at 64 fits").toBe(64);
    regions.giveBack(b); // gap 128..256
    const d = regions.take(64);
    expect(d.at).toBe(128); // the gap's rest, 192..256, stays free
    regions.giveBack(d); // merges with 192..256 into 128..256
    expect(regions.take(128).at).toBe(128);
    expect(regions.held).toBe(448 - 64);
  });

  it("gives every byte back: a region ending at the top lowers it past the free gaps below", () => {
    const regions = new RegionAllocator(0);
    const taken = [64, 64, 64, 64].map((bytes) => regions.take(bytes));
    for (const i of [1, 0, 3, 2]) regions.giveBack(taken[i]!);
    expect([regions.top, regions.held]).toEqual([0, 0]);
    expect(regions.take(256).at).toBe(0);
  });
});

const gemm = simdGemm();
const heap = gemm?.residentHeap ?? null;

describe.skipIf(!heap)("gemm's resident heap", () => {
  it("hands out zeroed floats where gemm's memory is, apart from one another; other arrays and the scratch above the heap are not in it", () => {
    const owner = {};
    const a = residentFloats(100, owner);
    a.fill(7);
    const b = residentFloats(3, owner);
    expect([...b]).toEqual([0, 0, 0]);
    expect(heap!.addressOf(a)).toBe(a.byteOffset);
    expect(heap!.addressOf(a, 5)).toBe(a.byteOffset + 20);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 400);
    expect(heap!.addressOf(new Float32Array(100))).toBe(-1);
    expect(heap!.addressOf(gemm!.window(gemm!.firstFreeAddress, 16)), "gemm's scratch").toBe(-1);
  });

  it("takes a region back once its owner is garbage-collected, and hands it out zeroed again", async () => {
    setFlagsFromString("--expose-gc");
    const collect = runInNewContext("gc") as () => void;
    const floats = 1 << 20;
    const allocate = (): number => {
      const view = residentFloats(floats, {}); // its owner is unreachable at once
      view.fill(1);
      return view.byteOffset;
    };
    const before = heap!.heldBytes;
    const at = allocate();
    expect(heap!.heldBytes).toBe(before + floats * 4);
    // finalisers run in tasks after a collection; a few rounds leave them time on a busy machine
    for (let round = 0; round < 50 && heap!.heldBytes > before; round++) {
      collect();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(heap!.heldBytes, "the collected owner's region is free again").toBeLessThanOrEqual(before);
    const again = residentFloats(floats, {});
    expect(again.byteOffset, "first fit: where the collected region was, or below").toBeLessThanOrEqual(at);
    expect(again.every((x) => x === 0)).toBe(true);
  });
});

/** gemm on operands in the heap (read and written where they lie) and on the same values in plain arrays (copied in and out). */
function bothWays(p: Problem, seed: number, offsets = [0, 0, 0], bias: Float32Array | null = null, activation: "linear" | "relu" = "linear"): [Float32Array, Float32Array] {
  const { a, b, c } = randomOperands(new Random(seed), p);
  const owner = {};
  const resident = (x: Float32Array, offset: number) => {
    const view = residentFloats(offset + x.length, owner);
    view.set(x, offset);
    return view;
  };
  const plain = (x: Float32Array, offset: number) => {
    const copy = new Float32Array(offset + x.length);
    copy.set(x, offset);
    return copy;
  };
  const [ra, rb, rc] = [resident(a, offsets[0]!), resident(b, offsets[1]!), resident(c, offsets[2]!)];
  const [pa, pb, pc] = [plain(a, offsets[0]!), plain(b, offsets[1]!), plain(c, offsets[2]!)];
  gemm!.gemm(p.m, p.n, p.k, ra, p.transA, rb, p.transB, rc, p.accumulate, offsets[0], offsets[1], offsets[2], bias, activation);
  gemm!.gemm(p.m, p.n, p.k, pa, p.transA, pb, p.transB, pc, p.accumulate, offsets[0], offsets[1], offsets[2], bias, activation);
  return [rc, pc];
}

describe.skipIf(!heap)("gemm on operands in its resident heap", () => {
  it("every reference problem (sizes, transposes, blocking, accumulate): the bits of the copied operands", () => {
    allReferenceProblems().forEach((p, i) => {
      const [resident, plain] = bothWays(p, 10 + i);
      expect(resident, describeProblem(p)).toEqual(plain);
    });
  });

  it("with offsets into each operand, the epilogue's bias and relu, and a product large enough for the threads", () => {
    const p = { m: 130, n: 96, k: 200, transA: false, transB: false, accumulate: true };
    const bias = Float32Array.from({ length: 96 }, (_, j) => (j % 7) - 3);
    const [resident, plain] = bothWays(p, 3, [5, 11, 3], bias, "relu");
    expect(resident).toEqual(plain);
    expect(resident.subarray(0, 3).every((x) => x === 0), "the floats before C's offset untouched").toBe(true);
    const [tr, tp] = bothWays({ m: 64, n: 200, k: 300, transA: true, transB: true, accumulate: false }, 4, [0, 0, 0]);
    expect(tr).toEqual(tp);
  });
});

describe.skipIf(!heap)("the wide-row kernels on arrays in gemm's resident heap", () => {
  const rows = 9;
  const random = new Random(8);
  const values = (count: number, scale = 4): Float32Array => Float32Array.from({ length: count }, () => (random.uniform() - 0.5) * scale);
  const inHeap = (x: Float32Array, owner: object): Float32Array => {
    const view = residentFloats(x.length, owner);
    view.set(x);
    return view;
  };

  it.each([20, 6])("width %i: softmax, its crossentropy gradient and loss, and column sums give the bits of plain arrays", (width) => {
    const owner = {};
    const x = values(rows * width);
    const bias = values(width, 1);
    const targets = Float32Array.from({ length: rows }, (_, r) => (r * 5) % width);
    const oneHot = Float32Array.from({ length: rows * width }, (_, i) => (i % width === (Math.floor(i / width) * 5) % width ? 1 : 0));
    const plainY = new Float32Array(rows * width);
    const residentY = inHeap(new Float32Array(rows * width), owner);
    softmaxRows(x, plainY, rows, width, bias);
    softmaxRows(inHeap(x, owner), residentY, rows, width, inHeap(bias, owner));
    expect(residentY).toEqual(plainY);
    const inPlace = inHeap(x, owner);
    softmaxRows(inPlace, inPlace, rows, width, bias);
    expect(inPlace, "y = x, the bias a plain array").toEqual(plainY);
    expect(plainY.subarray(0, width).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);

    for (const [kind, y] of [["classIds", targets], ["oneHot", oneHot]] as const) {
      const [plainD, residentD] = [new Float32Array(rows * width), inHeap(new Float32Array(rows * width), owner)];
      crossentropyGradient(plainY, y, plainD, rows, width, kind);
      crossentropyGradient(residentY, kind === "oneHot" ? inHeap(y, owner) : y, residentD, rows, width, kind);
      expect(residentD, kind).toEqual(plainD);
      expect(plainD[targets[0]!]).toBeCloseTo((plainY[targets[0]!]! - 1) / rows, 6);
      expect(crossentropyLoss(residentY, y, rows, width, kind)).toBe(crossentropyLoss(plainY, y, rows, width, kind));
      const [plainSums, residentSums] = [new Float32Array(width).fill(1), new Float32Array(width).fill(1)];
      sumColumns(plainD, plainSums, rows, width, "add");
      sumColumns(residentD, residentSums, rows, width, "add");
      expect(residentSums).toEqual(plainSums);
    }
  });
});

describe.skipIf(!heap)("an optimiser in gemm's resident heap", () => {
  it.each([adam({ learningRate: 0.01 }), rmsprop({ clipnorm: 0.5 })].map((c) => [c.name, c] as const))("%s: its adopted weights lie in the heap, and its steps in float64 pairs there are the JavaScript optimiser's, to the bit", (_, config) => {
    const random = new Random(2);
    const sizes = [300, 36];
    const start = sizes.map((size) => Float32Array.from({ length: size }, () => random.uniform()));
    const js = start.map((w) => w.slice());
    const simd = createOptimizer(config, start.map((w) => w.slice()), "simd-float64");
    const jsOptimizer = createOptimizer(config, js, "js");
    const store = simd.adoptStore!()!;
    expect(heap!.addressOf(store.weights)).toBeGreaterThan(0);
    expect(heap!.addressOf(store.grads)).toBeGreaterThan(0);
    const [weights, grads] = [weightStore(sizes, store.weights), weightStore(sizes, store.grads)];
    for (let step = 0; step < 5; step++) {
      const stepGrads = sizes.map((size) => Float32Array.from({ length: size }, (_, i) => Math.sin(i + step)));
      stepGrads.forEach((g, k) => grads[k]!.set(g));
      simd.apply(grads);
      jsOptimizer.apply(stepGrads);
    }
    expect(weights).toEqual(js);
    expect(simd.getState()).toEqual(jsOptimizer.getState());
  });
});


describe.skipIf(!heap)("band functions on gemm's threads (band-kernels.ts)", () => {
  /** `run` with every band left to gemm's worker threads, then on the calling thread alone. */
  async function onWorkersThenAlone(run: () => void): Promise<number> {
    await startThreads(2);
    const threads = gemmThreads()!;
    const before = threads.chunks.byWorkers;
    threads.callerWorks = false;
    try {
      withThreads(2, "test", run);
    } finally {
      threads.callerWorks = true;
    }
    return threads.chunks.byWorkers - before;
  }

  it("large operands packed in bands of panels on the workers (B, a transposed B, a transposed A) give the products of one thread", async () => {
    for (const p of [
      { m: 64, n: 1030, k: 128, transA: false, transB: false, accumulate: false },
      { m: 64, n: 1030, k: 128, transA: false, transB: true, accumulate: false },
      { m: 514, n: 64, k: 256, transA: true, transB: false, accumulate: true },
    ]) {
      const { a, b, c } = randomOperands(new Random(p.n + p.m), p);
      const [shared, alone] = [c.slice(), c.slice()];
      const byWorkers = await onWorkersThenAlone(() => gemm!.gemm(p.m, p.n, p.k, a, p.transA, b, p.transB, shared, p.accumulate));
      withThreads(1, "test", () => gemm!.gemm(p.m, p.n, p.k, a, p.transA, b, p.transB, alone, p.accumulate));
      expect(byWorkers, describeProblem(p)).toBeGreaterThanOrEqual(4);
      expect(shared, describeProblem(p)).toEqual(alone);
    }
  });

  it.each([
    [3200, 256],
    [37, 24],
  ])("B of %i×%i packed with its columns' float64 sums, in bands of panels on the workers and on one thread: packBAt's panels, each column summed from row 0 down", async (k, n) => {
    const random = new Random(k + n);
    const owner = {};
    const b = residentFloats(k * n, owner);
    b.set(Float32Array.from({ length: k * n }, () => (random.uniform() - 0.5) * 1e3));
    const bytes = gemm!.packedBBytes(k, n);
    const [expectedPanels, panels, sums] = [residentFloats(bytes / 4, owner), residentFloats(bytes / 4, owner), residentFloats(2 * n, owner)];
    gemm!.packBAt(heap!.addressOf(b), false, k, n, heap!.addressOf(expectedPanels));
    const expectedSums = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += b[p * n + j]!;
      expectedSums[j] = sum;
    }
    const packWithSums = (): Float32Array => {
      panels.fill(NaN);
      sums.fill(NaN);
      gemm!.packBWithColumnSumsAt(heap!.addressOf(b), k, n, heap!.addressOf(panels), heap!.addressOf(sums));
      return Float32Array.from(new Float64Array(sums.buffer, sums.byteOffset, n));
    };
    let onWorkers: Float32Array<ArrayBufferLike> = new Float32Array(0);
    const byWorkers = await onWorkersThenAlone(() => (onWorkers = packWithSums()));
    expect(firstDifference(panels, expectedPanels), "the first float whose bits differ from packBAt's").toBe(-1);
    expect(onWorkers).toEqual(expectedSums);
    expect(withThreads(1, "test", packWithSums)).toEqual(expectedSums);
    expect(firstDifference(panels, expectedPanels)).toBe(-1);
    if (k * n >= 1 << 16) expect(byWorkers, "bands of panels the workers took").toBeGreaterThanOrEqual(2);
  });

  it("a language model's wide rows on the workers, in bands (rows-bands-kernel.ts): its crossentropy gradients, loss and column sums give the bits of plain arrays", async () => {
    const [rows, width] = [128, 4096];
    const random = new Random(14);
    const owner = {};
    const inHeap = (x: Float32Array): Float32Array => {
      const view = residentFloats(x.length, owner);
      view.set(x);
      return view;
    };
    const p = Float32Array.from({ length: rows * width }, () => random.uniform() / width);
    const ids = Float32Array.from({ length: rows }, (_, r) => (r * 37) % width);
    const oneHot = Float32Array.from({ length: rows * width }, (_, i) => (i % width === ids[Math.floor(i / width)] ? 1 : 0));
    const [residentP, residentOneHot] = [inHeap(p), inHeap(oneHot)];
    for (const [kind, y, residentY] of [["classIds", ids, ids], ["oneHot", oneHot, residentOneHot]] as const) {
      const [plainD, residentD] = [new Float32Array(rows * width), inHeap(new Float32Array(rows * width))];
      const [plainSums, residentSums] = [new Float32Array(width), new Float32Array(width)];
      crossentropyGradient(p, y, plainD, rows, width, kind);
      sumColumns(plainD, plainSums, rows, width, "set");
      const plainLoss = crossentropyLoss(p, y, rows, width, kind);
      let residentLoss = NaN;
      const byWorkers = await onWorkersThenAlone(() => {
        crossentropyGradient(residentP, residentY, residentD, rows, width, kind);
        sumColumns(residentD, residentSums, rows, width, "set");
        residentLoss = crossentropyLoss(residentP, residentY, rows, width, kind);
      });
      expect(byWorkers, `${kind}: bands the workers took`).toBeGreaterThanOrEqual(6);
      expect(firstDifference(residentD, plainD), kind).toBe(-1);
      expect(residentSums, kind).toEqual(plainSums);
      expect(residentLoss, kind).toBe(plainLoss);
      expect(plainD[ids[0]!]).toBeCloseTo((p[ids[0]!]! - 1) / rows, 6);
    }
  });

  it("a wide softmax in bands of rows on the workers gives the bits of one thread", async () => {
    const [rows, width] = [64, 4096];
    const random = new Random(12);
    const x = Float32Array.from({ length: rows * width }, () => (random.uniform() - 0.5) * 8);
    const owner = {};
    const [shared, alone] = [residentFloats(rows * width, owner), residentFloats(rows * width, owner)];
    const bias = residentFloats(width, owner).fill(0.25);
    shared.set(x);
    alone.set(x);
    const byWorkers = await onWorkersThenAlone(() => softmaxRows(shared, shared, rows, width, bias));
    withThreads(1, "test", () => softmaxRows(alone, alone, rows, width, bias));
    expect(byWorkers, "bands the workers took").toBeGreaterThanOrEqual(2);
    expect(shared).toEqual(alone);
    expect(alone.subarray(0, width).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
  });

  it("Adam in bands of weights on the workers (the last band cut short) gives the bits of one thread, near the JavaScript rule's", async () => {
    const count = 100_003;
    const random = new Random(13);
    const start = Float32Array.from({ length: count }, () => random.uniform() - 0.5);
    const grads = [0, 1, 2].map((step) => Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.01 + step)));
    // the SIMD ones adopted, as a model adopts them: in gemm's heap then, where the rule runs in bands
    const train = (threads: "workers" | 1 | "js") => {
      if (threads === "js") {
        const weights = start.slice();
        const optimizer = createOptimizer(adam({ learningRate: 0.01 }), [weights], "js");
        return { weights, run: () => grads.forEach((g) => optimizer.apply([g])) };
      }
      const optimizer = createOptimizer(adam({ learningRate: 0.01 }), [start.slice()], "simd");
      const store = optimizer.adoptStore!()!;
      const steps = () =>
        grads.forEach((g) => {
          store.grads.set(g);
          optimizer.apply([store.grads]);
        });
      return { weights: store.weights, run: threads === 1 ? () => withThreads(1, "test", steps) : steps };
    };
    const [shared, alone, js] = [train("workers"), train(1), train("js")];
    const byWorkers = await onWorkersThenAlone(shared.run);
    alone.run();
    js.run();
    expect(byWorkers, "bands the workers took").toBeGreaterThanOrEqual(2);
    expect(shared.weights).toEqual(alone.weights);
    for (let i = 0; i < count; i += 997) expect(Math.abs(alone.weights[i]! - js.weights[i]!), `weight ${i}`).toBeLessThan(1e-6);
    expect(alone.weights[count - 1]).not.toBe(start[count - 1]); // the last, partial band stepped too
  });
});
