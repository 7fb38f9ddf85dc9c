// The wide-row helpers on the WebAssembly SIMD module, compiled synchronously on first use. A call
// copies its rows to the start of the module's memory (one TypedArray.set, a memcpy), runs the kernel
// there and copies the result out. Column and row sums go through rows padded to a multiple of 4 with
// zeros where the width is not one, and come back as float64s (column sums stored or added to the
// caller's floats in JavaScript).
//
// Where the arrays lie in gemm's resident heap (a model's buffers, on hosts with worker threads) and
// need no padding (a multiple of 4 floats), gemm's module works on them where they lie, in bands that
// its worker threads share when the arrays are large (rows-bands-kernel.ts), its sums in gemm's
// scratch: nothing is copied in, and nothing out but the sums.

import type { CrossentropyGradient, RowSums, SumColumns } from "./js-rows";
import { rowsKernelModule, VECTOR_FLOATS, type RowsKernelExports } from "./rows-kernel";
import { PrefixViews } from "../wasm/prefix-views";
import { ScratchMemory } from "../wasm/scratch-memory";
import { instantiateKernel } from "../wasm/instantiate";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";
import { simdGemm } from "../gemm/gemm";
import type { SimdGemm } from "../gemm/simd-gemm";
import { elementRows, ELEMENTS } from "./rows-bands-kernel";

const MULTIPLE = VECTOR_FLOATS;
const FLOAT_BYTES = Float32Array.BYTES_PER_ELEMENT;
/** About what a float costs these passes, in multiply-adds: what gemm's threads weigh against handing a band over. */
const WORK_PER_FLOAT = 1;
/** A float's bits as an i32, for a band's f32 argument. */
const factorBits = new Int32Array(1);
const factorFloat = new Float32Array(factorBits.buffer);

export class SimdRows {
  private readonly memory: ScratchMemory;
  /** The module's memory as floats, as of its last growth. */
  private scratch: Float32Array;
  private readonly inputs = new PrefixViews();
  private readonly outputs = new PrefixViews();
  /** The float64 sums of the last sumColumns or rowSums, kept for the next call of the same shape. */
  private sums: Float64Array<ArrayBufferLike> = new Float64Array(0);
  /** The same, for sums in gemm's scratch. */
  private residentSums: Float64Array<ArrayBufferLike> = new Float64Array(0);

  /** null where there is no WebAssembly, it has no SIMD, or the host forbids compiling (a browser's CSP). */
  static create(wasm: WasmApi | null = hostWasm()): SimdRows | null {
    const kernel = instantiateKernel<RowsKernelExports>(rowsKernelModule(), wasm);
    const gemm = wasm === hostWasm() ? simdGemm() : null;
    return kernel && new SimdRows(kernel, gemm?.residentHeap ? gemm : null);
  }

  private constructor(
    private readonly kernel: RowsKernelExports,
    /** gemm's module on shared memory, whose band functions work on arrays in its resident heap; null where there is none. */
    private readonly gemm: SimdGemm | null,
  ) {
    this.memory = new ScratchMemory(kernel.memory);
    this.scratch = this.memory.floats(0);
  }

  readonly crossentropyGradient: CrossentropyGradient = (p, targets, d, rows, width, kind) => {
    const count = rows * width;
    if (count === 0) return;
    const vectors = Math.ceil(count / MULTIPLE);
    const scale = 1 / rows;
    const [pAt, yAt, dAt] = count % MULTIPLE === 0 ? this.addresses(p, kind === "oneHot" ? targets : p, d) : [-1, -1, -1];
    if (pAt >= 0 && yAt >= 0 && dAt >= 0) {
      const gemm = this.gemm!;
      const argsAt = gemm.firstFreeAddress;
      factorFloat[0] = scale;
      if (kind === "oneHot") gemm.writeArgs(argsAt, pAt, yAt, dAt, vectors, factorBits[0]!);
      else gemm.writeArgs(argsAt, pAt, dAt, vectors, factorBits[0]!);
      gemm.band(kind === "oneHot" ? "scaleDifferenceBand" : "scaleBand", argsAt, elementRows(vectors), ELEMENTS * WORK_PER_FLOAT);
    } else {
      this.reserve((kind === "oneHot" ? 2 : 1) * vectors * MULTIPLE);
      this.scratch.set(this.inputs.of(p, count));
      if (kind === "oneHot") {
        this.scratch.set(this.inputs.of(targets, count), vectors * MULTIPLE);
        this.kernel.scaleDifference(0, vectors * MULTIPLE * FLOAT_BYTES, 0, vectors, scale);
      } else this.kernel.scale(0, 0, vectors, scale);
      d.set(this.outputs.of(this.scratch, count));
    }
    if (kind === "classIds") for (let r = 0; r < rows; r++) d[r * width + targets[r]!]! -= scale;
  };

  readonly sumColumns: SumColumns = (x, sums, rows, width, mode) => {
    const totals = this.inPlace("columnSums", x, rows, width) ?? this.copied("columnSums", x, rows, width);
    if (mode === "add") for (let j = 0; j < width; j++) sums[j]! += totals[j]!;
    else for (let j = 0; j < width; j++) sums[j] = totals[j]!;
  };

  readonly rowSums: RowSums = (x, rows, width) => this.inPlace("rowSums", x, rows, width) ?? this.copied("rowSums", x, rows, width);

  /** The column or row sums of x on a copy of its rows at the start of the module's memory, each row padded to a multiple of 4 with zeros. */
  private copied(sums: "columnSums" | "rowSums", x: Float32Array, rows: number, width: number): Float64Array<ArrayBufferLike> {
    const padded = Math.ceil(width / MULTIPLE) * MULTIPLE;
    const sumsAt = rows * padded;
    const count = sums === "columnSums" ? width : rows;
    // float64 sums: two floats each (columnSums writes one for every padded column)
    this.reserve(sumsAt + 2 * (sums === "columnSums" ? padded : rows));
    this.placeRows(x, rows, width, padded);
    this.kernel[sums](0, rows, padded / MULTIPLE, sumsAt * FLOAT_BYTES);
    return this.sumsAt(sumsAt * FLOAT_BYTES, count);
  }

  /**
   * The column or row sums of x where it lies in gemm's heap, into float64s in gemm's scratch, when x
   * lies there and its rows need no padding; those sums (a view good until the next call), else null.
   */
  private inPlace(sums: "columnSums" | "rowSums", x: Float32Array, rows: number, width: number): Float64Array<ArrayBufferLike> | null {
    const gemm = this.gemm;
    const at = gemm && width % MULTIPLE === 0 ? gemm.residentHeap!.addressOf(x) : -1;
    if (at < 0) return null;
    const count = sums === "columnSums" ? width : rows;
    const bytes = count * Float64Array.BYTES_PER_ELEMENT;
    const sumsAt = gemm!.firstFreeAddress;
    // the band's arguments after the sums, 16-byte aligned (writeArgs grows the memory to hold them)
    const argsAt = sumsAt + Math.ceil(bytes / 16) * 16;
    const rowVectors = width / MULTIPLE;
    if (sums === "rowSums") {
      gemm!.writeArgs(argsAt, at, rowVectors, sumsAt);
      gemm!.band("rowSumsBand", argsAt, rows, width * WORK_PER_FLOAT);
    } else {
      gemm!.writeArgs(argsAt, at, rowVectors, rows, sumsAt);
      gemm!.band("columnSumsBand", argsAt, rowVectors, rows * MULTIPLE * WORK_PER_FLOAT);
    }
    const kept = this.residentSums;
    const buffer = gemm!.floats(sumsAt + bytes).buffer;
    if (kept.buffer === buffer && kept.byteOffset === sumsAt && kept.length === count) return kept;
    return (this.residentSums = new Float64Array(buffer, sumsAt, count));
  }

  /** The addresses of arrays in gemm's heap, -1 for each that is not there (all -1 where there is no heap). */
  private addresses(...arrays: Float32Array[]): number[] {
    const heap = this.gemm?.residentHeap;
    return arrays.map((a) => (heap ? heap.addressOf(a) : -1));
  }

  /** Copies the rows to the start of the memory, each padded to `padded` floats with zeros. */
  private placeRows(x: Float32Array, rows: number, width: number, padded: number): void {
    if (padded === width) {
      this.scratch.set(this.inputs.of(x, rows * width));
      return;
    }
    for (let r = 0; r < rows; r++) {
      this.scratch.set(this.inputs.at(x, r * width, width), r * padded);
      this.scratch.fill(0, r * padded + width, (r + 1) * padded);
    }
  }

  /** Grows the memory to hold at least `floats` floats. */
  private reserve(floats: number): void {
    if (floats > this.scratch.length) this.scratch = this.memory.floats(floats * FLOAT_BYTES);
  }

  /** `count` float64s from byte address `at` of the memory, a view kept while the memory and shape stay. */
  private sumsAt(at: number, count: number): Float64Array<ArrayBufferLike> {
    const kept = this.sums;
    if (kept.buffer === this.scratch.buffer && kept.byteOffset === at && kept.length === count) return kept;
    return (this.sums = new Float64Array(this.scratch.buffer, at, count));
  }
}
