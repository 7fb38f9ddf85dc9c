// rows-kernel.ts' functions as band functions of gemm's module (band-kernels.ts), so that the calling
// thread and gemm's worker threads share a language model's wide rows where they lie in gemm's heap:
//
//   scaleBand(args, row0, rows)             args: at, to, vectors, factor (f32): scale on the band's
//                                           vectors of 4 floats, ELEMENTS floats a band row
//   scaleDifferenceBand(args, row0, rows)   args: at, yAt, to, vectors, factor (f32): scaleDifference so
//   rowSumsBand(args, row0, rows)           args: at, rowVectors, sumsAt: rowSums on the band's rows
//   columnSumsBand(args, row0, rows)        args: at, rowVectors, matrixRows, sumsAt: columnSums on the
//                                           band's column vectors (a band row is a vector of 4 columns)
//
// Each float is scaled, and each row or column summed, by the same instructions in the same order as
// the functions over the whole array: the same bits whoever computes a band.

import { i32Params, type FunctionBuilder, type ModuleBuilder } from "../wasm/wasm-assembler";
import { columnSumsStridedFunction, rowSumsFunction, scaleDifferenceFunction, scaleFunction } from "./rows-kernel";

const VECTOR_BYTES = 16;
const SUMS_BYTES_PER_VECTOR = 2 * VECTOR_BYTES;
/** Floats a band row of scaleBand and scaleDifferenceBand. */
export const ELEMENTS = 256;
const ELEMENT_VECTORS = ELEMENTS / 4;

export const ROWS_BANDS = ["scaleBand", "scaleDifferenceBand", "rowSumsBand", "columnSumsBand"] as const;
export type RowsBandName = (typeof ROWS_BANDS)[number];

/** Band rows of an elementwise band over `vectors` vectors. */
export const elementRows = (vectors: number): number => Math.ceil(vectors / ELEMENT_VECTORS);

function bandFunction(module: ModuleBuilder, name: RowsBandName): FunctionBuilder {
  return module.function(name, i32Params("args", "row0", "rows", "scratch"), [], true);
}

/** The band's first vector (row0·ELEMENTS floats in) and its count, cut at the array's end (the argument at byte `vectorsAt` of args). */
function elementBand(f: FunctionBuilder, vectorsAt: number): void {
  f.local("first", "i32").local("count", "i32");
  f.get("row0").i32(ELEMENT_VECTORS).op("i32.mul").set("first");
  f.setMinUnsigned("count", () => f.get("rows").i32(ELEMENT_VECTORS).op("i32.mul"), () => f.get("args").op("i32.load", vectorsAt).get("first").op("i32.sub"));
}

/** Pushes the address argument at byte `offset` of args moved to the band's first vector. */
function atFirst(f: FunctionBuilder, offset: number): void {
  f.get("args").op("i32.load", offset).get("first").i32(VECTOR_BYTES).op("i32.mul").op("i32.add");
}

function scaleBand(module: ModuleBuilder): void {
  const f = bandFunction(module, "scaleBand");
  elementBand(f, 8);
  atFirst(f, 0);
  atFirst(f, 4);
  f.get("count").get("args").op("f32.load", 12).call("scale");
}

function scaleDifferenceBand(module: ModuleBuilder): void {
  const f = bandFunction(module, "scaleDifferenceBand");
  elementBand(f, 12);
  for (const offset of [0, 4, 8]) atFirst(f, offset);
  f.get("count").get("args").op("f32.load", 16).call("scaleDifference");
}

function rowSumsBand(module: ModuleBuilder): void {
  const f = bandFunction(module, "rowSumsBand");
  f.get("args").op("i32.load", 0).get("row0").get("args").op("i32.load", 4).op("i32.mul").i32(VECTOR_BYTES).op("i32.mul").op("i32.add");
  f.get("rows").get("args").op("i32.load", 4);
  f.get("args").op("i32.load", 8).get("row0").i32(8).op("i32.mul").op("i32.add");
  f.call("rowSums");
}

function columnSumsBand(module: ModuleBuilder): void {
  const f = bandFunction(module, "columnSumsBand");
  f.get("args").op("i32.load", 0).get("row0").i32(VECTOR_BYTES).op("i32.mul").op("i32.add");
  f.get("args").op("i32.load", 8).get("rows");
  f.get("args").op("i32.load", 4).i32(VECTOR_BYTES).op("i32.mul");
  f.get("args").op("i32.load", 12).get("row0").i32(SUMS_BYTES_PER_VECTOR).op("i32.mul").op("i32.add");
  f.call("columnSumsStrided");
}

/** The functions rows-kernel.ts has that gemm's module lacks (it has columnSums: walk-kernel.ts), and their bands. */
export function addRowsBandFunctions(module: ModuleBuilder): void {
  scaleFunction(module);
  scaleDifferenceFunction(module);
  rowSumsFunction(module);
  columnSumsStridedFunction(module);
  scaleBand(module);
  scaleDifferenceBand(module);
  rowSumsBand(module);
  columnSumsBand(module);
}
