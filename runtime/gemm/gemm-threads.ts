// The other threads a large product's rows are shared with: Node worker threads, each with an
// instance of the gemm module on the same shared memory, started when a product first asks for them
// and unref'd, so they never keep a process alive. A product is shared only when it is large enough
// to repay the hand-over (a few microseconds): its rows go out in chunks of whole register tiles
// that the calling thread and the workers claim as they come (gemm-job.ts). Every element of C is
// summed in the same order whichever thread computes it, so results are bit-identical for any thread
// count. Browsers run on one thread (their workers would need cross-origin isolation for shared memory).

import type { WasmModule } from "../wasm/wasm-api";
import { nodeBuiltin } from "../node-host";
import { JOB, JOB_SLOTS, MAX_CHUNKS, openClaim, workOnChunks, type JobKernel } from "./gemm-job";
import { GEMM_WORKER_SOURCE } from "./gemm-worker-source";
import { MAX_GEMM_THREADS, type Tile } from "./tile";
import { SharingPolicy } from "./sharing-policy";
import { processClock } from "../node-host";

/** Multiply-adds a product needs before it is shared: below this the hand-over costs more than it saves. */
export const THREADED_GEMM_MIN_WORK = 1 << 18;
/** Rows a chunk has at most: a block of the kernel's row blocking, so chunks read B as one thread would. */
const MAX_CHUNK_ROWS = 64;
/**
 * Chunks per thread at least, where rows allow, so that a thread that starts late still finds some.
 * With two a thread, a 128-row product on two threads was 4 chunks, the caller computing 3 of them
 * (about 1.4 times one thread's pace, where four a thread gave more; bench notes in the README).
 */
const CHUNKS_PER_THREAD = 4;
/** Loads of the job block the calling thread makes before it sleeps waiting for the last chunks. */
const CALLER_SPINS = 1 << 15;
/** How long the calling thread waits for a worker's chunk before it gives up: a chunk never takes this long. */
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
  if (typeof (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer !== "function") return null;
  return nodeBuiltin<NodeWorkerThreads>("workerThreads");
}

/** Rows per chunk of an m-row product shared by `threads` threads: whole tiles, at most MAX_CHUNK_ROWS, at most `maxChunks` chunks. */
export function chunkRows(m: number, threads: number, mr: number, maxChunks = MAX_CHUNKS): number {
  const tiles = Math.ceil(m / mr);
  const fewest = Math.ceil(tiles / maxChunks);
  const even = Math.ceil(tiles / (threads * CHUNKS_PER_THREAD));
  return Math.max(fewest, Math.min(even, Math.max(1, Math.floor(MAX_CHUNK_ROWS / mr)))) * mr;
}

/** How a job's m rows are cut: `chunks` chunks of `rows` rows, the last of them `tail` rows (C's last) when tail is not 0. */
export interface Chunking {
  readonly rows: number;
  readonly tail: number;
  readonly chunks: number;
}

/**
 * The chunks of an m-row product shared by `threads` threads. The workers leave the last chunk to the
 * calling thread (which is running, so a worker woken late never makes it wait for rows it could
 * have computed itself): that chunk is the product's last register tile alone, and the rows above it
 * are cut by chunkRows. Were the reserved chunk as large as the others, the caller would compute one
 * chunk more than its share whenever the chunks ran out even (5 of a 128-row product's 8 on two
 * threads: at most 1.6 times one thread's pace).
 */
export function productChunking(m: number, threads: number, mr: number): Chunking {
  const tail = m - (Math.ceil(m / mr) - 1) * mr;
  const rows = chunkRows(m - tail, threads, mr, MAX_CHUNKS - 1);
  return { rows, tail, chunks: Math.ceil((m - tail) / rows) + 1 };
}

/** m rows in chunks of `rows` (the last one what is left). */
function uniformChunking(m: number, rows: number): Chunking {
  return { rows, tail: 0, chunks: Math.ceil(m / rows) };
}

export class GemmThreads {
  private readonly job = new Int32Array(new SharedArrayBuffer(JOB_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly workers: NodeWorker[] = [];
  private sequence = 0;
  /** Jobs shared with workers so far. */
  shared = 0;

  constructor(
    private readonly host: NodeWorkerThreads,
    private readonly module: WasmModule,
    private readonly memory: SharedWasmMemory,
    private readonly tile: Tile,
  ) {}

  /** Workers that take part in an m×n×k product when `threads` threads are allowed: 0 for a small one (and those missing start now). */
  helpersFor(m: number, n: number, k: number, threads: number): number {
    if (threads < 2 || m * n * k < THREADED_GEMM_MIN_WORK || m < 2 * this.tile.mr) return 0;
    const wanted = this.start(threads);
    const share = !this.callerWorks || this.policy.share();
    return share ? Math.min(wanted, Atomics.load(this.job, JOB.ready)) : 0;
  }

  /** When to share (after stalls on a busy machine, products run alone for a while). */
  readonly policy = new SharingPolicy(processClock());
  /** Whether the calling thread computes chunks too; tests set false to leave every chunk to the workers. */
  callerWorks = true;

  /** Starts workers so that `threads` threads (the calling one among them) can work; the number of workers wanted. */
  start(threads: number): number {
    const wanted = Math.min(threads, MAX_GEMM_THREADS) - 1;
    while (this.workers.length < wanted) this.startWorker();
    return wanted;
  }

  private startWorker(): void {
    const index = this.workers.length;
    const workerData = { module: this.module, memory: this.memory, job: this.job.buffer, index, scratch: this.tile.scratchAddress(index + 1) };
    const worker = new this.host.Worker(GEMM_WORKER_SOURCE, { eval: true, workerData });
    worker.unref();
    this.workers.push(worker);
  }

  /** C = or += A·B (gemm's arguments, addresses in the shared memory), its rows shared with `helpers` workers. */
  multiply(kernel: JobKernel, helpers: number, m: number, n: number, k: number, a: number, aPacked: number, packedB: number, c: number, accumulate: number): void {
    const job = this.job;
    job[JOB.kind] = 0;
    job[JOB.m] = m;
    job[JOB.n] = n;
    job[JOB.k] = k;
    job[JOB.a] = a;
    job[JOB.aPacked] = aPacked;
    job[JOB.packedB] = packedB;
    job[JOB.c] = c;
    job[JOB.accumulate] = accumulate;
    this.run(kernel, helpers, productChunking(m, helpers + 1, this.tile.mr), this.callerWorks ? 1 : 0);
  }

  /**
   * The band function `kind` (1 for band-kernels.ts' first: a recurrent walk, a softmax, a rule) with
   * its arguments at byte address `args`, its `rows` shared with `helpers` workers in bands of whole
   * register tiles, one a thread (a walk's band is walked over every step by the thread that claims
   * it). The workers may take the last band too: a band is long enough for a late worker to be awake
   * before the calling thread would come to it.
   */
  band(kernel: JobKernel, helpers: number, kind: number, args: number, rows: number): void {
    const job = this.job;
    job[JOB.kind] = kind;
    job[JOB.bandArgs] = args;
    job[JOB.m] = rows;
    this.run(kernel, helpers, uniformChunking(rows, Math.ceil(Math.ceil(rows / this.tile.mr) / (helpers + 1)) * this.tile.mr), 0);
  }

  /** Posts the job whose arguments are set, its rows cut as `chunking` says (`reserved` chunks left to the calling thread), works on it, and returns when every chunk is done. */
  private run(kernel: JobKernel, helpers: number, { rows, tail, chunks }: Chunking, reserved: number): void {
    const job = this.job;
    job[JOB.chunkRows] = rows;
    job[JOB.tailRows] = tail;
    Atomics.store(job, JOB.helpers, helpers);
    Atomics.store(job, JOB.reservedForCaller, reserved);
    Atomics.store(job, JOB.finished, 0);
    Atomics.store(job, JOB.claim, openClaim(++this.sequence, chunks));
    Atomics.notify(job, JOB.claim);
    this.shared++;
    const ownBefore = Atomics.load(job, JOB.chunksByCaller);
    const start = performance.now();
    if (this.callerWorks) workOnChunks(job, kernel, this.tile.scratchAddress(0), JOB.chunksByCaller, 0);
    const own = performance.now() - start;
    this.awaitChunks(chunks);
    if (this.callerWorks) this.policy.record(performance.now() - start, own, chunks, Atomics.load(job, JOB.chunksByCaller) - ownBefore, helpers);
  }

  /** Returns when every chunk is finished: those of workers still at work. */
  private awaitChunks(chunks: number): void {
    const job = this.job;
    for (let spins = 0; ; spins++) {
      const finished = Atomics.load(job, JOB.finished);
      if (finished >= chunks) break;
      if (spins < CALLER_SPINS) continue;
      if (Atomics.wait(job, JOB.finished, finished, WORKER_TIMEOUT_MS) === "timed-out") {
        throw new Error(`gemm: a worker thread did not finish its rows within ${WORKER_TIMEOUT_MS / 1000} s`);
      }
    }
    if (Atomics.load(job, JOB.failed)) throw new Error("gemm: a worker thread failed on its rows");
  }

  /** Chunks computed so far by the calling thread and by the workers (since the last stop). */
  get chunks(): { byCaller: number; byWorkers: number } {
    return { byCaller: Atomics.load(this.job, JOB.chunksByCaller), byWorkers: Atomics.load(this.job, JOB.chunksByWorkers) };
  }

  /** Workers started so far. */
  get started(): number {
    return this.workers.length;
  }

  /** Resolves when the workers started so far are ready or failed (tests wait for them; training never does). */
  async whenReady(): Promise<void> {
    while (Atomics.load(this.job, JOB.ready) < this.workers.length && !Atomics.load(this.job, JOB.failed)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stops every worker (and forgets their stalls); later products start new ones when they ask. */
  async stop(): Promise<void> {
    const stopping = this.workers.splice(0);
    Atomics.store(this.job, JOB.stop, 1);
    Atomics.add(this.job, JOB.claim, 1 << 12); // a new word wakes the sleepers
    Atomics.notify(this.job, JOB.claim);
    await Promise.all(stopping.map((worker) => worker.terminate()));
    this.job.fill(0);
    this.policy.reset();
  }
}
