// A model's weights and gradients in the memory of the sparse-product WebAssembly module (which never
// grows), followed by a scratch region for one call's compressed rows and dense rows. The kernels and
// gradients of a layer fed sparse rows are read and scatter-added there in place; a call copies in
// only the batch's non-zeros (and, backward, the dense gradient rows), in chunks of rows that fit.

import { instantiateKernel } from "../wasm/instantiate";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";
import { sparseKernelModule, VECTOR_GROUP_FLOATS, type SparseKernelExports } from "./sparse-kernel";
import type { TouchedRows } from "./touched-rows";

const PAGE_BYTES = 65536;
const WORD_BYTES = 4;
const ALIGN_BYTES = 16;
/** Scratch beyond the widest row's non-zeros: a batch of 128 rows of 256 floats and 150 non-zeros takes 0.3 MB. */
const BASE_SCRATCH_BYTES = 1 << 20;

const aligned = (bytes: number): number => Math.ceil(bytes / ALIGN_BYTES) * ALIGN_BYTES;

/** The memories that hold a model's weights, by their buffer: how a product finds the module that can reach its kernel. */
const holders = new WeakMap<ArrayBufferLike, SparseMemory>();

/** The SparseMemory holding `array`, when there is one and the module can take rows of `width` floats. */
export function sparseMemoryOf(array: Float32Array, width: number): SparseMemory | null {
  if (width % VECTOR_GROUP_FLOATS !== 0) return null;
  return holders.get(array.buffer) ?? null;
}

export class SparseMemory {
  readonly weights: Float32Array;
  readonly grads: Float32Array;
  private readonly ints: Int32Array;
  private readonly floats: Float32Array;
  /** Where copyIn put the current chunk's row starts, columns, values and dense rows (byte addresses). */
  private ptrAt = 0;
  private idxAt = 0;
  private valAt = 0;
  private denseAt = 0;

  /**
   * Weights and gradients of the given sizes in a new module's memory, with scratch for rows of up
   * to `widestRow` non-zeros; null where there is no WebAssembly with SIMD (JavaScript runs then).
   */
  static create(weightFloats: number, gradFloats: number, widestRow: number, wasm: WasmApi | null = hostWasm()): SparseMemory | null {
    const gradsAt = aligned(weightFloats * WORD_BYTES);
    const scratchAt = aligned(gradsAt + gradFloats * WORD_BYTES);
    const scratchBytes = BASE_SCRATCH_BYTES + aligned(2 * WORD_BYTES * widestRow);
    const pages = Math.ceil((scratchAt + scratchBytes) / PAGE_BYTES);
    const kernel = instantiateKernel<SparseKernelExports>(sparseKernelModule(pages), wasm);
    return kernel && new SparseMemory(kernel, weightFloats, gradsAt, gradFloats, scratchAt, pages * PAGE_BYTES - scratchAt);
  }

  private constructor(
    private readonly kernel: SparseKernelExports,
    weightFloats: number,
    gradsAt: number,
    gradFloats: number,
    private readonly scratchAt: number,
    private readonly scratchBytes: number,
  ) {
    const buffer = kernel.memory.buffer;
    this.weights = new Float32Array(buffer, 0, weightFloats);
    this.grads = new Float32Array(buffer, gradsAt, gradFloats);
    this.ints = new Int32Array(buffer);
    this.floats = new Float32Array(buffer);
    holders.set(buffer, this);
  }

  /** out[r] = bias + x[r] · kernel for the batch's rows, kernel and bias (or null) in this memory. Allocates nothing. */
  gather(batch: number, n: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, kernel: Float32Array, bias: Float32Array | null, out: Float32Array): void {
    let biasAt = 0;
    for (let r = 0; r < batch; ) {
      const end = this.rowsThatFit(indptr, r, batch, n);
      if (end === r) throw new RangeError(`sparse product: row ${r} has ${indptr[r + 1]! - indptr[r]!} non-zeros, more than the scratch memory takes`);
      this.copyIn(indptr, indices, values, r, end, kernel.length / n, null);
      if (bias) biasAt = bias.byteOffset;
      else this.floats.fill(0, (biasAt = this.denseAt + (end - r) * n * WORD_BYTES) / WORD_BYTES, biasAt / WORD_BYTES + n);
      this.kernel.gather(end - r, n, this.ptrAt, this.idxAt, this.valAt, kernel.byteOffset, biasAt, this.denseAt);
      const from = this.denseAt / WORD_BYTES;
      const floats = this.floats;
      for (let i = 0, count = (end - r) * n, at = r * n; i < count; i++) out[at + i] = floats[from + i]!;
      r = end;
    }
  }

  /**
   * dw[column] += value · dz[r] over the batch's non-zeros, dw in this memory. With `touched`, rows
   * first written in this call start from zero (see TouchedRows); the caller zeroes stale rows.
   */
  scatter(batch: number, n: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, dz: Float32Array, dw: Float32Array, touched: TouchedRows | null): void {
    for (let r = 0; r < batch; ) {
      const end = this.rowsThatFit(indptr, r, batch, n);
      if (end === r) throw new RangeError(`sparse gradient: row ${r} has ${indptr[r + 1]! - indptr[r]!} non-zeros, more than the scratch memory takes`);
      this.copyIn(indptr, indices, values, r, end, dw.length / n, touched);
      const to = this.denseAt / WORD_BYTES;
      const floats = this.floats;
      for (let i = 0, count = (end - r) * n, at = r * n; i < count; i++) floats[to + i] = dz[at + i]!;
      this.kernel.scatter(end - r, n, this.ptrAt, this.idxAt, this.valAt, this.denseAt, dw.byteOffset);
      r = end;
    }
  }

  /** The end of the longest run of rows from `start` whose non-zeros and dense rows fit the scratch. */
  private rowsThatFit(indptr: Int32Array, start: number, batch: number, n: number): number {
    let end = start;
    while (end < batch && this.bytesFor(end + 1 - start, indptr[end + 1]! - indptr[start]!, n) <= this.scratchBytes) end++;
    return end;
  }

  private bytesFor(rows: number, nonZeros: number, n: number): number {
    return aligned((rows + 1) * WORD_BYTES) + 2 * aligned(nonZeros * WORD_BYTES) + (rows + 1) * n * WORD_BYTES;
  }

  /** Rows [start, end)'s row starts (from 0), columns and values into the scratch; a column first written in this call as -1 - column. */
  private copyIn(indptr: Int32Array, indices: Int32Array, values: Float32Array, start: number, end: number, columns: number, touched: TouchedRows | null): void {
    const { ints, floats } = this;
    const base = indptr[start]!;
    const nonZeros = indptr[end]! - base;
    const ptrAt = (this.ptrAt = this.scratchAt);
    const idxAt = (this.idxAt = ptrAt + aligned((end - start + 1) * WORD_BYTES));
    const valAt = (this.valAt = idxAt + aligned(nonZeros * WORD_BYTES));
    this.denseAt = valAt + aligned(nonZeros * WORD_BYTES);
    for (let r = start, at = ptrAt / WORD_BYTES; r <= end; r++) ints[at + r - start] = indptr[r]! - base;
    const idx = idxAt / WORD_BYTES;
    const val = valAt / WORD_BYTES;
    for (let q = 0; q < nonZeros; q++) {
      const column = indices[base + q]!;
      if (!(column >= 0 && column < columns)) throw new RangeError(`sparse product: column ${column} is outside [0, ${columns})`);
      ints[idx + q] = touched && touched.first(column) ? -1 - column : column;
      floats[val + q] = values[base + q]!;
    }
  }
}
