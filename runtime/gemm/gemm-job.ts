// The job block the threads of one product share: an Int32Array over shared memory. The rows of C
// are cut into chunks of whole register tiles, and any thread that is running claims the next chunk
// with one compare-and-swap of the claim word, so a worker the system has not scheduled takes none and
// delays nothing (the calling thread computes what is left). Each chunk is summed exactly as one
// thread would sum it, so who computes which chunk never changes a bit.
//
// The claim word: the job's sequence number (19 bits), the next chunk (6 bits), the chunks (6 bits).
// A thread reads the job's arguments after the word and before its swap: the arguments change only
// once every chunk is claimed, when the word differs from the one it read, so its swap then fails.

export const JOB = {
  claim: 0,
  /** Chunks finished; the last to finish wakes the calling thread. */
  finished: 1,
  /** Workers whose module is instantiated. */
  ready: 2,
  failed: 3,
  stop: 4,
  /** How many workers may take part in the job (the others wait for the next). */
  helpers: 5,
  /** gemm's arguments (m, n, k, a, aPacked, packedB, c, accumulate) and the rows a chunk has. */
  m: 6,
  n: 7,
  k: 8,
  a: 9,
  aPacked: 10,
  packedB: 11,
  c: 12,
  accumulate: 13,
  chunkRows: 14,
  /** Chunks computed so far by the calling thread, and by the workers. */
  chunksByCaller: 15,
  chunksByWorkers: 16,
  /** Chunks the workers leave to the calling thread: 1, or 0 when it leaves every chunk to them. */
  reservedForCaller: 17,
  /** 0 for a product; k for the k-th band function (band-kernels.ts' BANDS: the recurrent walks, ...), whose chunks are bands of m rows. */
  kind: 18,
  /** A band function's arguments: their byte address in the shared memory. */
  bandArgs: 19,
  /** 0, or the rows of the last chunk, which are then C's last rows (a product's last register tile) and the chunks before it cut the rows above them. */
  tailRows: 20,
} as const;
export const JOB_SLOTS = 21;

export const MAX_CHUNKS = 63;
const SEQUENCE_MASK = 0x7ffff;

/** The gemm module's export. */
export type KernelGemm = (m: number, n: number, k: number, a: number, aPacked: number, packedB: number, c: number, accumulate: number, scratch: number) => void;

/** A band function's export (band-kernels.ts). */
export type KernelBand = (args: number, row0: number, rows: number, scratch: number) => void;

/** What a thread's instance of the module exports that a job calls: gemm, and the band functions in the order of their kinds (kind k is bands[k - 1]). */
export interface JobKernel {
  readonly gemm: KernelGemm;
  readonly bands: readonly KernelBand[];
}

/** The claim word of job `sequence` with `chunks` chunks, none claimed. */
export function openClaim(sequence: number, chunks: number): number {
  return ((sequence & SEQUENCE_MASK) << 12) | chunks;
}

/**
 * Claims chunks of the job in `job` and computes each, a band of a product's rows or of a band function's
 * (edge tiles on the scratch tile at `scratch`,
 * each chunk counted in the job's slot `tally`) until none is left, or only `reserved` are: a worker
 * leaves the last chunk to the calling thread, which is running, so that a worker woken late never
 * makes it wait for a chunk it could have computed itself. Run by the calling thread and, from its source text, by every worker
 * (gemm-worker-source.ts), so it is self-contained: no closures, no imports, literals only.
 */
export function workOnChunks(job: Int32Array, kernel: JobKernel, scratch: number, tally: number, reserved: number): void {
  for (;;) {
    const word = Atomics.load(job, 0);
    const next = (word >>> 6) & 63;
    const chunks = word & 63;
    if (next + reserved >= chunks) return;
    const m = job[6]!, n = job[7]!, k = job[8]!, a = job[9]!, aPacked = job[10]!, packedB = job[11]!, c = job[12]!, accumulate = job[13]!, chunkRows = job[14]!;
    const kind = job[18]!, bandArgs = job[19]!, tail = job[20]!;
    if (Atomics.compareExchange(job, 0, word, word + 64) !== word) continue;
    const last = tail !== 0 && next === chunks - 1;
    const i0 = last ? m - tail : next * chunkRows;
    const rows = last ? tail : Math.min(chunkRows, m - tail - i0);
    if (kind === 0) {
      // rows i0.. of A start i0·k floats in, stored or packed (a packed panel of MR rows is MR·k floats)
      kernel.gemm(rows, n, k, a + i0 * k * 4, aPacked, packedB, c + i0 * n * 4, accumulate, scratch);
    } else kernel.bands[kind - 1]!(bandArgs, i0, rows, scratch);
    Atomics.add(job, tally, 1);
    if (Atomics.add(job, 1, 1) + 1 === chunks) Atomics.notify(job, 1);
  }
}
