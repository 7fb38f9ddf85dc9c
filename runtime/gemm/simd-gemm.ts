// gemm on the WebAssembly SIMD module, compiled synchronously on first use. A call has three phases,
// public so that the benchmark can time the copying apart from the multiply. Where the host has
// worker threads and shared memory, the module works on a shared memory, and a large product's rows
// are split between threads (gemm-threads.ts).

import type { EpilogueActivation, Gemm } from "./js-gemm";
import { clearSlackAfterA, copyIn, ScratchLayout } from "./pack";
import { ScratchMemory, type GrowableMemory } from "../wasm/scratch-memory";
import { simdKernelModule, type KernelBuild, type SimdKernelExports } from "./simd-kernel";
import { DEFAULT_TILE, FLOAT_BYTES } from "./tile";
import { compileKernel, instanceOf } from "../wasm/instantiate";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";
import { ResidentHeap } from "../wasm/resident-heap";
import { turnOnRelaxedSimd } from "../wasm/relaxed-simd";
import { GemmThreads, workerThreadsHost, type SharedWasmMemory } from "./gemm-threads";
import { threadCount } from "../threads/threads";
import type { WalkExports } from "../recurrent/walk-kernel";
import { addBandFunctions, bandIndex, BANDS, type BandName } from "./band-kernels";
import type { JobKernel, KernelBand } from "./gemm-job";

/**
 * Whether A is packed into panels of MR rows first. A transposed A always is: its rows four bytes
 * apart would cost the micro-kernel a cache line per step of k for every four rows. A as stored is
 * read in place by a micro-kernel that steps four row pointers; the packed one steps one, about 8%
 * faster (15% with relaxed SIMD), which repays the packing (about one more pass over A) once A is
 * read for 8 panels of B or more.
 */
const PACK_A_MIN_COLUMNS = 64;
const packsA = (n: number, transA: boolean): boolean => transA || n >= PACK_A_MIN_COLUMNS;

/** Floats an operand has before its packing is shared with the worker threads. */
const PACK_BAND_MIN_FLOATS = 1 << 16;
/** About what packing a float costs, in multiply-adds: what gemm's threads weigh against handing a band over. */
const PACK_WORK_PER_FLOAT = 4;

/** The shared memory's limit: 4 GiB, all that 32-bit addresses reach (a shared memory must declare one). */
export const SHARED_MAXIMUM_PAGES = 65536;

/**
 * The build gemm uses on a host: the default tile, with relaxed SIMD's fused multiply-add where the
 * host has it (on Node 20 turned on for the purpose; relaxed-simd.ts).
 */
export function hostBuild(wasm: WasmApi): KernelBuild {
  return { tile: DEFAULT_TILE, fusedMultiplyAdd: turnOnRelaxedSimd(wasm) };
}

interface SharedMemoryApi {
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => SharedWasmMemory;
}

export class SimdGemm {
  private readonly memory: ScratchMemory;
  private readonly layout: ScratchLayout;
  /** Long-lived regions below the scratch, on a shared memory only. */
  private readonly heap: ResidentHeap | null;
  /** The memory as i32s, made again when it grows. */
  private ints: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** What a job calls on this thread: gemm and the band functions (on shared memory only). */
  private readonly jobKernel: JobKernel | null;
  /** Where the last load put the operands: byte addresses in the memory. */
  private readonly placed = { a: 0, aPacked: false, packedB: 0, c: 0 };

  /**
   * null where there is no WebAssembly, it has no SIMD (or not the relaxed SIMD a build asks for), or
   * the host forbids compiling (a browser's CSP). The build is the host's by default. `threaded`
   * (where the host has worker threads) puts the module on a shared memory that other threads share.
   */
  static create(wasm: WasmApi | null = hostWasm(), build: KernelBuild | null = wasm && hostBuild(wasm), threaded = true): SimdGemm | null {
    if (!wasm || !build) return null;
    const host = threaded ? workerThreadsHost() : null;
    if (host) {
      // with the band functions (band-kernels.ts): past a browser's limit for compiling on its main thread, where worker threads never take this branch
      const module = compileKernel(simdKernelModule(build, { maximumPages: SHARED_MAXIMUM_PAGES }, (module) => addBandFunctions(module, build.tile, build.fusedMultiplyAdd)), wasm, false);
      if (!module) return null;
      const memory = new (wasm as unknown as SharedMemoryApi).Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
      const kernel = instanceOf<Omit<SimdKernelExports, "memory">>(module, wasm, { env: { memory } });
      return kernel && new SimdGemm({ ...kernel, memory }, build, new GemmThreads(host, module, memory, build.tile));
    }
    const module = compileKernel(simdKernelModule(build), wasm);
    const kernel = module && instanceOf<SimdKernelExports>(module, wasm);
    return kernel && new SimdGemm(kernel, build, null);
  }

  private constructor(
    private readonly kernel: SimdKernelExports,
    readonly build: KernelBuild,
    /** The other threads of a large product's rows, null where there are none. */
    readonly threads: GemmThreads | null,
  ) {
    this.memory = new ScratchMemory(kernel.memory);
    this.layout = new ScratchLayout(build.tile);
    this.heap = threads ? new ResidentHeap(this.memory, this.layout.first) : null;
    const exports = kernel as unknown as Record<string, KernelBand>;
    this.jobKernel = threads ? { gemm: kernel.gemm, bands: BANDS.map((name) => exports[name]!) } : null;
  }

  readonly gemm: Gemm = (m, n, k, a, transA, b, transB, c, accumulate, aOffset = 0, bOffset = 0, cOffset = 0, bias = null, activation = "linear") => {
    this.load(m, n, k, a, transA, b, transB, c, accumulate, aOffset, bOffset, cOffset);
    this.multiply(m, n, k, accumulate);
    if (bias || activation !== "linear") this.epilogue(m, n, bias, activation);
    this.store(m, n, c, cOffset);
  };

  /** C in the memory = act(C + bias), before it is copied out (if it is): the layer's bias and activation with no pass of their own over C in JavaScript. */
  epilogue(m: number, n: number, bias: Float32Array | null, activation: EpilogueActivation): void {
    const { layout } = this;
    if (bias) copyIn(this.memory.floats(layout.end), layout.bias, bias, n);
    this.kernel.epilogue(this.placed.c, m, n, layout.bias, bias ? 1 : 0, activation === "relu" ? 1 : 0);
  }

  /**
   * A, B and (to accumulate) C into the scratch memory, each from its offset; B packed into panels
   * there. An operand that lives in the memory (the resident heap's) is not copied: packed from where
   * it lies, or read there (A's rows in place, C).
   */
  load(m: number, n: number, k: number, a: Float32Array, transA: boolean, b: Float32Array, transB: boolean, c: Float32Array, accumulate: boolean, aOffset = 0, bOffset = 0, cOffset = 0): void {
    const { layout, placed, heap } = this;
    const packA = packsA(n, transA);
    layout.plan(m, n, k, packA, heap?.end);
    const scratch = this.memory.floats(layout.end);
    // element (i, p) of op(A) is stored at i·k + p, or at p·m + i when transposed
    let aAt = heap ? heap.addressOf(a, aOffset) : -1;
    if (aAt < 0) {
      copyIn(scratch, layout.a, a, m * k, aOffset);
      aAt = layout.a;
      if (!packA) clearSlackAfterA(scratch, layout, m, k);
    }
    // A read in place reads up to MR - 1 rows past it for the dropped rows of its last tile: still memory, since the scratch above the heap plans room for A
    if (packA) this.packAAt(aAt, transA, m, k, layout.packedA);
    placed.a = packA ? layout.packedA : aAt;
    placed.aPacked = packA;
    // element (p, j) of op(B) is stored at p·n + j, or at j·k + p when transposed
    let bAt = heap ? heap.addressOf(b, bOffset) : -1;
    if (bAt < 0) {
      copyIn(scratch, layout.storedB, b, k * n, bOffset);
      bAt = layout.storedB;
    }
    this.packBAt(bAt, transB, k, n, layout.packedB);
    placed.packedB = layout.packedB;
    const cAt = heap ? heap.addressOf(c, cOffset) : -1;
    placed.c = cAt < 0 ? layout.c : cAt;
    if (accumulate && cAt < 0) copyIn(scratch, layout.c, c, m * n, cOffset);
  }

  /**
   * C = or += A·B, on the operands load placed: shared with worker threads when the product is large
   * enough and threads are allowed, else on this thread.
   */
  multiply(m: number, n: number, k: number, accumulate: boolean, threads = threadCount()): void {
    const { a, aPacked, packedB, c } = this.placed;
    this.multiplyAt(m, n, k, a, aPacked, packedB, c, accumulate, threads);
  }

  /**
   * C (m×n at byte address c) = or += A·B on operands already in the module's memory: A (m×k) rows in
   * place at a (with room for MR - 1 rows after it) or packed there, B packed at packedB (packB). Shared
   * with the worker threads when the product is large enough.
   */
  multiplyAt(m: number, n: number, k: number, a: number, aPacked: boolean, packedB: number, c: number, accumulate: boolean, threads = threadCount()): void {
    const helpers = this.threads?.helpersFor(m, n, k, threads) ?? 0;
    if (helpers > 0) this.threads!.multiply(this.jobKernel!, helpers, m, n, k, a, aPacked ? 1 : 0, packedB, c, accumulate ? 1 : 0);
    else this.kernel.gemm(m, n, k, a, aPacked ? 1 : 0, packedB, c, accumulate ? 1 : 0, this.layout.tile.scratchAddress(0));
  }

  /**
   * The band function `name` (band-kernels.ts: a recurrent walk, a softmax, an optimiser's rule) with
   * its i32 arguments at byte address `args`, over its `rows`: shared with the worker threads, a band
   * of rows each, when its work (`workPerRow` multiply-adds or so a row) is enough. Only the module on
   * shared memory has the band functions.
   */
  band(name: BandName, args: number, rows: number, workPerRow: number, threads = threadCount()): void {
    const helpers = this.threads?.helpersFor(rows, 1, workPerRow, threads) ?? 0;
    const jobKernel = this.jobKernel!;
    const index = bandIndex(name);
    if (helpers > 0) this.threads!.band(jobKernel, helpers, index + 1, args, rows);
    else jobKernel.bands[index]!(args, 0, rows, this.layout.tile.scratchAddress(0));
  }

  /** `args` as i32s from byte address `at` of the memory (a band function's arguments), the memory grown to hold them. */
  writeArgs(at: number, ...args: number[]): void {
    const buffer = this.memory.floats(at + args.length * 4).buffer;
    if (this.ints.buffer !== buffer) this.ints = new Int32Array(buffer);
    this.ints.set(args, at / 4);
  }

  /** The functions of the module on shared memory (band-kernels.ts: the walks', the softmax's, the optimisers'), null where the memory is not shared. */
  exportsOf<Exports>(): Exports | null {
    return this.threads ? (this.kernel as unknown as Exports) : null;
  }

  /** The recurrent walks' module functions (walk-kernel.ts), in a module on shared memory only. */
  get walks(): WalkExports | null {
    return this.threads ? (this.kernel as unknown as WalkExports) : null;
  }

  /**
   * op(B) (k×n) from byte address `stored` into panels at `packed`, for multiplyAt: B stored k×n, or n×k
   * when transB. Given `skip` (on shared memory only), each panel is followed by `skip` bytes it leaves
   * alone: the k rows become rows of longer panels, whose others are someone else's.
   */
  packBAt(stored: number, transB: boolean, k: number, n: number, packed: number, skip = 0): void {
    this.pack("packB", stored, (transB ? 1 : n) * FLOAT_BYTES, (transB ? k : 1) * FLOAT_BYTES, n, k, packed, this.layout.tile.nr, skip);
  }

  /** op(A) (m×k) from byte address `stored` into panels at `packed`, for multiplyAt: A stored m×k, or k×m when transA; `skip` as packBAt's (the k columns of longer panels). */
  packAAt(stored: number, transA: boolean, m: number, k: number, packed: number, skip = 0): void {
    this.pack("packA", stored, (transA ? m : 1) * FLOAT_BYTES, (transA ? 1 : k) * FLOAT_BYTES, m, k, packed, this.layout.tile.mr, skip);
  }

  /** A pack of `lines` lines into panels of `width`, `skip` bytes after each: its panels shared with the worker threads in bands when the operand is large enough (band-kernels.ts). */
  private pack(name: "packB" | "packA", stored: number, kStride: number, lineStride: number, lines: number, k: number, packed: number, width: number, skip = 0): void {
    if (skip && !this.jobKernel) throw new Error("gemm: a pack leaves room after its panels only in the module on shared memory");
    if (!this.jobKernel || (lines * k < PACK_BAND_MIN_FLOATS && !skip)) return this.kernel[name](stored, kStride, lineStride, lines, k, packed);
    const args = this.layout.args;
    this.writeArgs(args, stored, kStride, lineStride, lines, k, packed, skip);
    this.band(name === "packB" ? "packBBand" : "packABand", args, Math.ceil(lines / width), width * k * PACK_WORK_PER_FLOAT);
  }

  /**
   * B (k×n, stored at byte address `stored`, n a multiple of the tile's columns) packed at `packed` as
   * packBAt packs it, and the float64 sum of each of its columns over the k rows, from row 0 down, at
   * byte address sumsAt (columnSums' bits, in the same pass): panels shared with the worker threads in
   * bands when B is large enough. Only the module on shared memory has it.
   */
  packBWithColumnSumsAt(stored: number, k: number, n: number, packed: number, sumsAt: number): void {
    const { nr } = this.layout.tile;
    if (n % nr !== 0) throw new RangeError(`gemm: packBWithColumnSumsAt needs whole panels of ${nr} columns, got ${n} columns`);
    const args = this.layout.args;
    this.writeArgs(args, stored, n * FLOAT_BYTES, n, k, packed, sumsAt);
    this.band("packBSumsBand", args, n / nr, nr * k * PACK_WORK_PER_FLOAT);
  }

  /** The tile columns of the micro-kernel: the width of B's panels. */
  get tileColumns(): number {
    return this.layout.tile.nr;
  }

  /** Bytes op(A) takes packed: m rows, rounded up to whole panels, of k floats. */
  packedABytes(m: number, k: number): number {
    const { mr } = this.layout.tile;
    return Math.ceil(m / mr) * mr * k * FLOAT_BYTES;
  }

  /** Bytes op(B) takes packed: k rows of n floats, n rounded up to whole panels. */
  packedBBytes(k: number, n: number): number {
    const { nr } = this.layout.tile;
    return Math.ceil(n / nr) * nr * k * FLOAT_BYTES;
  }

  /** The first byte address a caller may use for operands of its own between gemm calls (after the threads' scratch tiles and the resident heap): the next gemm call overwrites everything from it. */
  get firstFreeAddress(): number {
    return this.heap?.end ?? this.layout.first;
  }

  /** The module's memory as floats, grown first to hold at least `bytes`. */
  floats(bytes: number): Float32Array {
    return this.memory.floats(bytes);
  }

  /** `count` floats from byte address `at` of the module's memory, as a view kept for the next call with the same address and size. */
  window(at: number, count: number): Float32Array {
    return this.memory.window(at, count);
  }

  /** The WebAssembly memory itself (shared where there are threads), for other modules to import. */
  get wasmMemory(): GrowableMemory {
    return this.kernel.memory;
  }

  /** The tile rows of the micro-kernel (an A read in place needs room for MR - 1 rows after it). */
  get tileRows(): number {
    return this.layout.tile.mr;
  }

  /** C from the scratch memory to c, from its offset (nothing to do where C lives in the memory). */
  store(m: number, n: number, c: Float32Array, cOffset = 0): void {
    if (this.placed.c === this.layout.c) c.set(this.memory.window(this.layout.c, m * n), cOffset);
  }

  /**
   * `count` zeroed floats in the module's memory for as long as `owner` lives, which gemm (and the
   * kernels on this memory) read and write where they lie; null where the memory is not shared
   * (growing it would detach the view), so that the caller makes an array of its own.
   */
  residentFloats(count: number, owner: object): Float32Array | null {
    return this.heap?.floats(count, owner) ?? null;
  }

  /** The resident heap (on shared memory only). */
  get residentHeap(): ResidentHeap | null {
    return this.heap;
  }
}
