// The WebAssembly SIMD module behind crossentropyGradient, crossentropyLoss and sumColumns, for wide
// rows (a language model's vocabulary): four functions over floats from byte address at, a vector of 4
// at a time,
//
//   scale(at, to, vectors, factor)               out = x · factor, out at byte address `to` (may be at)
//   scaleDifference(at, yAt, to, vectors, factor)  out = (x − y) · factor, y from byte address yAt
//   columnSums(at, rows, rowVectors, sumsAt)     sums[j] = Σ over the rows of x[r, j], in float64: rows of
//                                                rowVectors vectors, the sums (rowVectors · 4 float64s)
//                                                at byte address sumsAt, each added from row 0 down
//   rowSums(at, rows, rowVectors, sumsAt)        sums[r] = Σ over row r, in float64 (one float64 a row
//                                                at byte address sumsAt)
//   columnSumsStrided(at, rows, vectors, rowBytes, sumsAt)
//                                                columnSums on `vectors` vectors of rows rowBytes apart
//                                                (a band of a wider matrix's columns)
//
// Each product or difference is rounded to float32 once. The column sums add each float, promoted
// (exactly) to float64, in the order of the rows: the sums JavaScript's numbers give. A row's sum adds
// its floats in four float64 lanes (floats j, j + 4, j + 8, ... in lane j mod 4), then the lanes.

import { i32Params, ModuleBuilder, type FunctionBuilder } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;
export const VECTOR_FLOATS = VECTOR_BYTES / FLOAT_BYTES;
/** A vector of 4 floats' sums: two float64 vectors. */
const SUMS_BYTES = 2 * VECTOR_BYTES;

/** The high two floats of a vector moved to the low two (the high ones are then unused). */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/** Runs `body` with local `p` at each of `count` vectors from `from` (count ≥ 1), `step` bytes apart. */
function eachVector(f: FunctionBuilder, from: string, count: string, step: number, body: () => void): void {
  f.get(from).get(count).i32(step).op("i32.mul").op("i32.add").set("end");
  f.get(from).set("p");
  f.doWhile(
    () => {
      body();
      f.increment("p", () => f.i32(step));
    },
    () => f.get("p").get("end").op("i32.ne"),
  );
}

export function scaleFunction(module: ModuleBuilder): void {
  const f = module.function("scale", [...i32Params("at", "to", "vectors"), ["factor", "f32"]], [], true);
  f.local("end", "i32").local("p", "i32").local("factors", "v128");
  f.get("vectors").i32(0).op("i32.eq").op("br_if", 0);
  f.get("factor").op("f32x4.splat").set("factors");
  eachVector(f, "at", "vectors", VECTOR_BYTES, () => {
    f.get("to").get("p").op("v128.load", 0).get("factors").op("f32x4.mul").op("v128.store", 0);
    f.increment("to", () => f.i32(VECTOR_BYTES));
  });
}

export function scaleDifferenceFunction(module: ModuleBuilder): void {
  const f = module.function("scaleDifference", [...i32Params("at", "yAt", "to", "vectors"), ["factor", "f32"]], [], true);
  f.local("end", "i32").local("p", "i32").local("factors", "v128");
  f.get("vectors").i32(0).op("i32.eq").op("br_if", 0);
  f.get("factor").op("f32x4.splat").set("factors");
  eachVector(f, "at", "vectors", VECTOR_BYTES, () => {
    f.get("to").get("p").op("v128.load", 0).get("yAt").op("v128.load", 0).op("f32x4.sub").get("factors").op("f32x4.mul").op("v128.store", 0);
    f.increment("yAt", () => f.i32(VECTOR_BYTES));
    f.increment("to", () => f.i32(VECTOR_BYTES));
  });
}

/** columnSums, exported, into a module of another kernel's (the recurrent layers' bias gradients sum dZ where it lies: runtime/recurrent/walk-kernel.ts). */
export function columnSumsFunction(module: ModuleBuilder): void {
  columnSumsOf(module, false);
}

/** columnSumsStrided, exported, into a module of another kernel's (gemm's, whose column bands sum a wide matrix's columns: band-kernels.ts). */
export function columnSumsStridedFunction(module: ModuleBuilder): void {
  columnSumsOf(module, true);
}

/** columnSums, or with `strided` columnSumsStrided: the next row rowBytes after a row's first vector instead of after its last. */
function columnSumsOf(module: ModuleBuilder, strided: boolean): void {
  const vectors = strided ? "vectors" : "rowVectors";
  const f = module.function(strided ? "columnSumsStrided" : "columnSums", i32Params("at", "rows", vectors, ...(strided ? ["rowBytes"] : []), "sumsAt"), [], true);
  f.local("end", "i32").local("p", "i32").local("q", "i32").local("x", "v128");
  f.get(vectors).i32(0).op("i32.eq").op("br_if", 0);
  eachVector(f, "sumsAt", vectors, SUMS_BYTES, () => {
    f.get("p").op("v128.const", new Array(16).fill(0)).op("v128.store", 0);
    f.get("p").op("v128.const", new Array(16).fill(0)).op("v128.store", VECTOR_BYTES);
  });
  f.get("rows").i32(0).op("i32.eq").op("br_if", 0);
  f.doWhile(
    () => {
      f.get("sumsAt").set("q");
      eachVector(f, "at", vectors, VECTOR_BYTES, () => {
        f.get("p").op("v128.load", 0).set("x");
        f.get("q").get("q").op("v128.load", 0).get("x").op("f64x2.promote_low_f32x4").op("f64x2.add").op("v128.store", 0);
        f.get("q").get("q").op("v128.load", VECTOR_BYTES).get("x").get("x").op("i8x16.shuffle", HIGH_HALF).op("f64x2.promote_low_f32x4").op("f64x2.add").op("v128.store", VECTOR_BYTES);
        f.increment("q", () => f.i32(SUMS_BYTES));
      });
      if (strided) f.increment("at", () => f.get("rowBytes"));
      else f.get("end").set("at");
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows"),
  );
}

/** The lanes of a float64 vector swapped. */
const SWAP_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

export function rowSumsFunction(module: ModuleBuilder): void {
  const f = module.function("rowSums", i32Params("at", "rows", "rowVectors", "sumsAt"), [], true);
  f.local("end", "i32").local("p", "i32").local("x", "v128").local("low", "v128").local("high", "v128");
  f.get("rows").i32(0).op("i32.eq").get("rowVectors").i32(0).op("i32.eq").op("i32.or").op("br_if", 0);
  f.doWhile(
    () => {
      f.op("v128.const", new Array(16).fill(0)).tee("low").set("high");
      eachVector(f, "at", "rowVectors", VECTOR_BYTES, () => {
        f.get("p").op("v128.load", 0).set("x");
        f.get("low").get("x").op("f64x2.promote_low_f32x4").op("f64x2.add").set("low");
        f.get("high").get("x").get("x").op("i8x16.shuffle", HIGH_HALF).op("f64x2.promote_low_f32x4").op("f64x2.add").set("high");
      });
      f.get("low").get("high").op("f64x2.add").set("low");
      f.get("sumsAt").get("low").get("low").get("low").op("i8x16.shuffle", SWAP_HALVES).op("f64x2.add").op("v128.store64_lane", 0);
      f.increment("sumsAt", () => f.i32(8));
      f.get("end").set("at");
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows"),
  );
}

/** The module's bytes. Its memory starts at one page; the host grows it. (On gemm's shared memory, gemm's module has these functions: rows-bands-kernel.ts.) */
export function rowsKernelModule(): Uint8Array {
  const module = new ModuleBuilder(1);
  scaleFunction(module);
  scaleDifferenceFunction(module);
  columnSumsFunction(module);
  rowSumsFunction(module);
  return module.encode();
}

export interface RowsKernelExports {
  readonly memory: GrowableMemory;
  scale(at: number, to: number, vectors: number, factor: number): void;
  scaleDifference(at: number, yAt: number, to: number, vectors: number, factor: number): void;
  columnSums(at: number, rows: number, rowVectors: number, sumsAt: number): void;
  rowSums(at: number, rows: number, rowVectors: number, sumsAt: number): void;
}
