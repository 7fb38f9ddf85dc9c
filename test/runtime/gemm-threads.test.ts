import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkRows, productChunking, THREADED_GEMM_MIN_WORK } from "../../runtime/gemm/gemm-threads";
import type { Gemm } from "../../runtime/gemm/js-gemm";
import { hostBuild, SimdGemm } from "../../runtime/gemm/simd-gemm";
import { Tile } from "../../runtime/gemm/tile";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { Random } from "../../runtime/random";
import { availableCores, setThreads, threadCount, withThreads } from "../../runtime/threads/threads";
import { allReferenceProblems, describeProblem, expectNear, randomOperands, run, type Problem } from "../support/gemm-reference";
import { Nnlm } from "../../examples/nnlm/nnlm.gen";
import { gemmThreads, startThreads } from "../../runtime/gemm/gemm";

describe("chunkRows", () => {
  it("cuts m rows into whole tiles, four chunks a thread where rows allow, at most 64 rows a chunk and 63 chunks", () => {
    expect(chunkRows(128, 2, 4)).toBe(16); // 32 tiles: 8 chunks of 4
    expect(chunkRows(64, 2, 4)).toBe(8);
    expect(chunkRows(130, 2, 4)).toBe(20); // 33 tiles: 5 a chunk, the last chunk 10 rows
    expect(chunkRows(784, 2, 4)).toBe(64); // 13 chunks
    expect(chunkRows(10_000, 2, 4)).toBe(160); // 2,500 tiles: 40 a chunk, so that 63 chunks cover them
    expect(chunkRows(8, 4, 4)).toBe(4); // a chunk is a tile at least
    expect(chunkRows(784, 2, 3)).toBe(63); // 3-row tiles: 21 of them, not 64 rows
  });
});

describe("productChunking", () => {
  it("leaves the calling thread only the last register tile, and cuts the rows above it as chunkRows does", () => {
    // 128 rows: 31 tiles above the last; 4 tiles a chunk (8 chunks for 2 threads), the eighth 3 tiles, then the last tile
    expect(productChunking(128, 2, 4)).toEqual({ rows: 16, tail: 4, chunks: 9 });
    // 130 rows: the last tile has the 2 rows past 128; the 32 tiles above it, 4 a chunk
    expect(productChunking(130, 2, 4)).toEqual({ rows: 16, tail: 2, chunks: 9 });
    // 3200 rows: 64-row chunks (at most) over 3196 rows, 50 of them, then the last tile
    expect(productChunking(3200, 2, 4)).toEqual({ rows: 64, tail: 4, chunks: 51 });
    // 10,000 rows: 2,499 tiles above the last in at most 62 chunks (41 tiles each: 61 chunks), 63 in all at most
    expect(productChunking(10_000, 2, 4)).toEqual({ rows: 164, tail: 4, chunks: 62 });
  });
});

describe("the thread setting", () => {
  it("is every core by default, takes a positive integer, and withThreads restores what was in force", () => {
    expect(threadCount()).toBe(availableCores());
    setThreads(3);
    expect(threadCount()).toBe(3);
    expect(withThreads(1, "fit", () => threadCount())).toBe(1);
    expect(threadCount()).toBe(3);
    expect(() => withThreads(0, "fit", () => 0)).toThrow('fit: threads must be "auto" or a positive integer, got 0');
    expect(() => setThreads(1.5)).toThrow('setThreads: threads must be "auto" or a positive integer, got 1.5');
    setThreads("auto");
    expect(threadCount()).toBe(availableCores());
  });
});

describe.each([
  ["the host's build", undefined],
  ["a 3×12 tile build", { tile: new Tile(3, 12), fusedMultiplyAdd: false }],
] as const)("gemm on several threads, %s", (_, build) => {
  const simd = SimdGemm.create(hostWasm(), build ?? hostBuild(hostWasm()!))!;
  const threads = simd.threads!;
  // every product shared (a busy machine may otherwise make the sharing policy run products alone for a while)
  const on = (count: number): Gemm => (m, n, k, a, transA, b, transB, c, accumulate) => {
    threads.policy.reset();
    simd.load(m, n, k, a, transA, b, transB, c, accumulate);
    simd.multiply(m, n, k, accumulate, count);
    simd.store(m, n, c);
  };
  const large = (p: Problem): boolean => p.m * p.n * p.k >= THREADED_GEMM_MIN_WORK && p.m >= 8;
  const problems = [
    ...allReferenceProblems().filter(large),
    { m: 129, n: 77, k: 300, transA: false, transB: false, accumulate: true },
    { m: 131, n: 300, k: 70, transA: true, transB: true, accumulate: false },
    { m: 64, n: 64, k: 64, transA: false, transB: false, accumulate: false },
  ];

  beforeAll(async () => {
    threads.start(4);
    await threads.whenReady();
  });
  afterAll(() => threads.stop());

  it("has this Node's worker threads, and the problems below are large enough to be split", () => {
    expect(threads.started).toBe(3);
    expect(problems.length).toBeGreaterThan(20);
  });

  it.each([2, 3, 4])("gives, on %i threads, bits identical to one thread's, within the float64 reference's bound", (count) => {
    const random = new Random(17);
    const before = threads.chunks;
    for (const problem of problems) {
      const operands = randomOperands(random, problem);
      const one = run(on(1), problem, operands);
      const several = run(on(count), problem, operands);
      expectNear(several, problem, operands);
      const differing = one.findIndex((value, e) => !Object.is(value, several[e]));
      if (differing !== -1) throw new Error(`${describeProblem(problem)} on ${count} threads: C[${differing}] = ${several[differing]}, one thread gives ${one[differing]}`);
    }
    // the calling thread computed chunks (who else did depends on the scheduler)
    expect(threads.chunks.byCaller).toBeGreaterThan(before.byCaller);
  });

  it("gives the same bits when the workers compute every chunk", () => {
    const random = new Random(19);
    const before = threads.chunks;
    threads.callerWorks = false;
    try {
      for (const problem of problems.slice(0, 12)) {
        const operands = randomOperands(random, problem);
        const one = run(on(1), problem, operands);
        const workers = run(on(4), problem, operands);
        expect(new Uint32Array(workers.buffer)).toEqual(new Uint32Array(one.buffer));
      }
    } finally {
      threads.callerWorks = true;
    }
    expect(threads.chunks.byCaller).toBe(before.byCaller);
    expect(threads.chunks.byWorkers).toBeGreaterThanOrEqual(before.byWorkers + 12);
  });

  it("keeps a product below the threshold on the calling thread", () => {
    const before = threads.shared;
    const small: Problem = { m: 32, n: 32, k: 32, transA: false, transB: false, accumulate: false };
    expectNear(run(on(4), small, randomOperands(new Random(3), small)), small, randomOperands(new Random(3), small));
    expect(threads.shared).toBe(before);
  });

  it("starts its workers again after stop", async () => {
    await threads.stop();
    expect(threads.started).toBe(0);
    threads.start(2);
    await threads.whenReady();
    const problem: Problem = { m: 200, n: 100, k: 100, transA: false, transB: true, accumulate: false };
    const operands = randomOperands(new Random(4), problem);
    const before = threads.shared;
    expectNear(run(on(2), problem, operands), problem, operands);
    expect(threads.shared).toBe(before + 1);
  });
});

describe("a model trained on several threads", () => {
  it("ends with weights bit-identical to those trained on one thread (NNLM, vocabulary 5,000)", async () => {
    await startThreads(2);
    const random = new Random(9);
    const examples = 512;
    const x = Array.from({ length: examples }, () => Array.from({ length: 4 }, () => Math.floor(random.uniform() * 5000)));
    const y = Array.from({ length: examples }, () => [Math.floor(random.uniform() * 5000)]);
    const train = (threads: number) => {
      const net = new Nnlm();
      const history = net.fit(x, y, { epochs: 2, batchSize: 128, shuffle: true, verbose: 0, threads });
      return { weights: net.getWeights(), loss: history.history.loss };
    };
    const one = train(1);
    // the workers compute every chunk of the shared products, so that the second run surely differs in who computes
    gemmThreads()!.callerWorks = false;
    const chunksBefore = gemmThreads()!.chunks.byWorkers;
    const two = (() => {
      try {
        return train(2);
      } finally {
        gemmThreads()!.callerWorks = true;
      }
    })();
    expect(gemmThreads()!.chunks.byWorkers).toBeGreaterThan(chunksBefore);
    expect(two.loss).toEqual(one.loss);
    expect(one.loss[1]!).toBeLessThan(one.loss[0]!);
    two.weights.forEach((w, i) => expect(new Uint32Array(w.buffer)).toEqual(new Uint32Array(one.weights[i]!.buffer)));
  });
});

describe("the worker threads", () => {
  it("never keep a process alive: a child that used them exits by itself", () => {
    const script = fileURLToPath(new URL("../support/threads-exit-child.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 30_000 });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    // each element of C is 128 products of 1 · 0.5
    expect(JSON.parse(child.stdout)).toEqual({ started: 1, first: 64, last: 64 });
  });
});
