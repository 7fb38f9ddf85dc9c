// Where one problem sits in the scratch memory, and how it gets there. A and B are copied in as they
// are stored, with TypedArray.set (a memcpy; a JS loop costs about 20 times as much per float). Then
// the wasm packB packs B into panels of NR columns (transposing and padding it), and packA packs A
// into panels of MR rows where that pays (simd-gemm.ts says when); otherwise the micro-kernel reads
// A's rows in place. C is copied in only to accumulate, and copied out whole. C comes first, at the scratch's start (fixed
// but for the resident heap below it, which grows only between calls), so the view it is copied out
// through can be kept from call to call. Operands that live in the memory already (the resident
// heap's) are not copied: their regions here go unused.

import { FLOAT_BYTES, MAX_GEMM_THREADS, type Tile } from "./tile";
import { PrefixViews } from "../wasm/prefix-views";

const ALIGNMENT = 16;
/** Room for a band job's i32 arguments. */
const BAND_ARGS_BYTES = 64;
const alignUp = (bytes: number): number => Math.ceil(bytes / ALIGNMENT) * ALIGNMENT;

/** Byte addresses of one problem's regions: the threads' scratch tiles, C, A and the slack after it, A packed (when transposed), B as stored, B packed, the epilogue's bias. */
export class ScratchLayout {
  /** Where gemm writes the arguments of a band job of its own (a shared pack): after the threads' scratch tiles. */
  readonly args: number;
  /** Where the scratch may start at the earliest: after those arguments. */
  readonly first: number;
  c: number;
  a = 0;
  packedA = 0;
  storedB = 0;
  packedB = 0;
  /** The epilogue's bias, n floats. */
  bias = 0;
  end = 0;

  constructor(readonly tile: Tile) {
    this.args = alignUp(tile.scratchAddress(MAX_GEMM_THREADS));
    this.first = this.args + BAND_ARGS_BYTES;
    this.c = this.first;
  }

  /** The regions of an m×n×k problem, from `start` (the end of the resident heap, if any). */
  plan(m: number, n: number, k: number, packA: boolean, start = this.first): void {
    const { mr, nr } = this.tile;
    this.c = alignUp(start);
    // the rows of the last tile past m read up to MR - 1 rows of k floats beyond A in place
    const slackAfterA = (mr - 1) * k;
    this.a = alignUp(this.c + m * n * FLOAT_BYTES);
    this.packedA = alignUp(this.a + (m * k + slackAfterA) * FLOAT_BYTES);
    const packedABytes = packA ? Math.ceil(m / mr) * mr * k * FLOAT_BYTES : 0;
    this.storedB = alignUp(this.packedA + packedABytes);
    this.packedB = alignUp(this.storedB + k * n * FLOAT_BYTES);
    this.bias = alignUp(this.packedB + Math.ceil(n / nr) * nr * k * FLOAT_BYTES);
    this.end = this.bias + n * FLOAT_BYTES;
  }
}

const operandPrefixes = new PrefixViews();

/** `count` floats of source from `offset` (the first ones by default), at byte address `to` of the scratch memory. */
export function copyIn(scratch: Float32Array, to: number, source: Float32Array, count: number, offset = 0): void {
  scratch.set(operandPrefixes.at(source, offset, count), to / FLOAT_BYTES);
}

/** Zeros the slack after A, so that the rows an edge tile drops are computed on zeros, not on stale floats. */
export function clearSlackAfterA(scratch: Float32Array, layout: ScratchLayout, m: number, k: number): void {
  const start = layout.a / FLOAT_BYTES + m * k;
  scratch.fill(0, start, start + (layout.tile.mr - 1) * k);
}
