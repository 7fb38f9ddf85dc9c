// The other threads a product's rows are split between: Node worker threads, each with an instance of
// the gemm module on the same shared memory, started when a product first asks for them and unref'd,
// so they never keep a process alive. A product is split only when it is large enough to repay the
// hand-over (a few microseconds a thread): into bands of whole register tiles, the first computed
// on the calling thread while the workers compute the others. Every element of C is summed in the
// same order whichever thread computes it, so results are bit-identical for any thread count.
// Browsers run on one thread (their workers would need cross-origin isolation for shared memory).

import type { WasmModule } from "../wasm/wasm-api";
import { GEMM_WORKER_SOURCE, JOB, JOB_SLOTS } from "./gemm-worker-source";
import { MAX_GEMM_THREADS } from "./tile";

/** Multiply-adds a product needs before it is split: below this the hand-over costs more than it saves. */
export const THREADED_GEMM_MIN_WORK = 1 << 18;
/** Loads of a worker's job block the calling thread makes before it sleeps waiting for the worker. */
const CALLER_SPINS = 1 << 22;
/** How long the calling thread waits for a worker before it gives up: a worker never takes this long. */
const WORKER_TIMEOUT_MS = 60_000;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}

interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;
}

/** The shared WebAssembly memory the gemm module imports. */
export interface SharedWasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** Node's worker_threads where the host has them and shared memory, else null. */
export function workerThreadsHost(): NodeWorkerThreads | null {
  const host = globalThis as { process?: { getBuiltinModule?: (name: string) => unknown }; SharedArrayBuffer?: unknown };
  if (typeof host.SharedArrayBuffer !== "function") return null;
  return (host.process?.getBuiltinModule?.("node:worker_threads") as NodeWorkerThreads | undefined) ?? null;
}

/** One worker and its job block. */
class GemmWorker {
  private readonly job = new Int32Array(new SharedArrayBuffer(JOB_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: NodeWorker;
  private posted = 0;

  constructor(host: NodeWorkerThreads, module: WasmModule, memory: SharedWasmMemory) {
    this.worker = new host.Worker(GEMM_WORKER_SOURCE, { eval: true, workerData: { module, memory, job: this.job.buffer } });
    this.worker.unref();
  }

  get ready(): boolean {
    return Atomics.load(this.job, JOB.ready) === 1 && Atomics.load(this.job, JOB.failed) === 0;
  }

  /** Ready, or failed to start (then it never takes a band). */
  get settled(): boolean {
    return Atomics.load(this.job, JOB.ready) === 1 || Atomics.load(this.job, JOB.failed) === 1;
  }

  /** Posts gemm's nine arguments. */
  post(args: readonly number[]): void {
    this.job.set(args, JOB.arguments);
    Atomics.store(this.job, JOB.posted, ++this.posted);
    Atomics.notify(this.job, JOB.posted);
  }

  /** Returns when the worker has finished what was posted last. */
  wait(): void {
    for (let spins = 0; Atomics.load(this.job, JOB.finished) !== this.posted; spins++) {
      if (spins < CALLER_SPINS) continue;
      if (Atomics.wait(this.job, JOB.finished, this.posted - 1, WORKER_TIMEOUT_MS) === "timed-out") {
        throw new Error(`gemm: a worker thread did not finish its rows within ${WORKER_TIMEOUT_MS / 1000} s`);
      }
    }
    if (Atomics.load(this.job, JOB.failed)) throw new Error("gemm: a worker thread failed on its rows (out of bounds of the shared memory)");
  }

  stop(): Promise<number> {
    Atomics.store(this.job, JOB.stop, 1);
    Atomics.store(this.job, JOB.posted, ++this.posted);
    Atomics.notify(this.job, JOB.posted);
    return this.worker.terminate();
  }
}

/** The first row of each of `parts` bands of m rows, in whole tiles of `mr` rows, and m at the end. */
export function rowBands(m: number, parts: number, mr: number): number[] {
  const tiles = Math.ceil(m / mr);
  const used = Math.min(parts, tiles);
  return Array.from({ length: used + 1 }, (_, band) => Math.min(m, Math.floor((band * tiles) / used) * mr));
}

export class GemmThreads {
  private readonly workers: GemmWorker[] = [];

  constructor(
    private readonly host: NodeWorkerThreads,
    private readonly module: WasmModule,
    private readonly memory: SharedWasmMemory,
  ) {}

  /**
   * The workers that take bands of an m×n×k product when `threads` threads are allowed: none for a
   * small product; otherwise those of the first threads - 1 that are ready (the others start now, for
   * later products).
   */
  helpersFor(m: number, n: number, k: number, mr: number, threads: number): GemmWorker[] {
    if (threads < 2 || m * n * k < THREADED_GEMM_MIN_WORK || m < 2 * mr) return [];
    const wanted = this.start(threads);
    const helpers = this.workers.slice(0, wanted).filter((worker) => worker.ready);
    this.bandsHandedOut += helpers.length;
    return helpers;
  }

  /** Starts workers so that `threads` threads (this one among them) can work; the number of workers wanted. */
  start(threads: number): number {
    const wanted = Math.min(threads, MAX_GEMM_THREADS) - 1;
    while (this.workers.length < wanted) this.workers.push(new GemmWorker(this.host, this.module, this.memory));
    return wanted;
  }

  /** Bands of rows given to workers so far. */
  bandsHandedOut = 0;

  /** Workers started so far. */
  get started(): number {
    return this.workers.length;
  }

  /** Resolves when the workers started so far are ready (tests wait for them; training never does). */
  async whenReady(): Promise<void> {
    while (!this.workers.every((worker) => worker.settled)) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Stops every worker; later products start new ones when they ask. */
  async stop(): Promise<void> {
    const stopping = this.workers.splice(0).map((worker) => worker.stop());
    await Promise.all(stopping);
  }
}

export type { GemmWorker };
