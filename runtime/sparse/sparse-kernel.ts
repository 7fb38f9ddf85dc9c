// The WebAssembly SIMD module behind a dense layer fed compressed sparse rows (CSR). All addresses
// are in bytes; rows of `n` floats, n a multiple of VECTOR_GROUP_FLOATS; each non-zero p of a row
// has its column at idxAt + 4p and its value at valAt + 4p; row r's non-zeros are p in
// [ptr[r], ptr[r + 1]), ptr an i32 array at ptrAt.
//
//   gather(rows, n, ptrAt, idxAt, valAt, kernelAt, biasAt, outAt)
//       out[r] = bias + Σ_p value_p · kernel[column_p]: each row starts from the n floats at biasAt,
//       then adds each non-zero's value times the kernel row it names (rows of the kernel are
//       contiguous, so a non-zero is n/4 vector multiply-adds), a block of the row at a time with
//       its sums in locals (blocks of 4 vectors: 2 or 8 measured slower on x64).
//   scatter(rows, n, ptrAt, idxAt, valAt, dzAt, dwAt)
//       dw[column_p] += value_p · dz[r] for each non-zero p of each row r. A column stored as -1 - c
//       marks the first write of row c of dw in this call: that row becomes 0 + value_p · dz[r]
//       (the same bits as adding into a zeroed row), so its old contents need no zeroing.
//       (Summing dw like gather instead, x transposed in JavaScript first so that each row of dw is
//       written once, measured no faster: the transposition cost what the fewer stores saved.)
//
// Each float of a row is summed in float32 in the order of the non-zeros (starting from the bias
// or, for scatter, the gradient), VECTOR_GROUP_FLOATS floats or more per loop turn.

import { i32Params, ModuleBuilder, type FunctionBuilder } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;
const VECTORS_PER_TURN = 4;
/** Row widths the module takes are multiples of this. */
export const VECTOR_GROUP_FLOATS = (VECTORS_PER_TURN * VECTOR_BYTES) / FLOAT_BYTES;

/** For j over the row's bytes, VECTORS_PER_TURN vectors a turn: body(offset) for each vector, j in local "j". */
function eachVectorOfRow(f: FunctionBuilder, body: (offset: number) => void): void {
  f.i32(0).set("j");
  f.doWhile(
    () => {
      for (let v = 0; v < VECTORS_PER_TURN; v++) body(v * VECTOR_BYTES);
      f.increment("j", () => f.i32(VECTORS_PER_TURN * VECTOR_BYTES));
    },
    () => f.get("j").get("rowBytes").op("i32.ne"),
  );
}

/** Runs body for each non-zero of row r (none when the row is empty), with its address in local "p" and value splatted in "v". */
function eachNonZero(f: FunctionBuilder, body: () => void): void {
  f.get("ptr").op("i32.load", 0).i32(FLOAT_BYTES).op("i32.mul").get("idxAt").op("i32.add").set("p");
  f.get("ptr").op("i32.load", FLOAT_BYTES).i32(FLOAT_BYTES).op("i32.mul").get("idxAt").op("i32.add").set("pEnd");
  f.get("p").get("pEnd").op("i32.ne").op("if");
  f.doWhile(
    () => {
      f.get("p").get("valueShift").op("i32.add").op("v128.load32_splat", 0).set("v");
      body();
      f.increment("p", () => f.i32(FLOAT_BYTES));
    },
    () => f.get("p").get("pEnd").op("i32.ne"),
  );
  f.op("end");
}

/** Runs body once per row, local "ptr" at the row's entry of ptr; row r's dense row at local "row". */
function eachRow(f: FunctionBuilder, denseAt: string, body: () => void): void {
  f.get("n").i32(FLOAT_BYTES).op("i32.mul").set("rowBytes");
  f.get("valAt").get("idxAt").op("i32.sub").set("valueShift");
  f.get("ptrAt").set("ptr");
  f.get(denseAt).set("row");
  f.doWhile(
    () => {
      body();
      f.increment("ptr", () => f.i32(FLOAT_BYTES));
      f.increment("row", () => f.get("rowBytes"));
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows"),
  );
}

function declareLocals(f: FunctionBuilder, extraI32: readonly string[]): void {
  for (const local of ["rowBytes", "valueShift", "ptr", "row", "p", "pEnd", "j", ...extraI32]) f.local(local, "i32");
  f.local("v", "v128");
}

const accumulator = (vector: number): string => `acc${vector}`;

/**
 * gather with the row cut into blocks of VECTORS_PER_TURN vectors, each block's sums kept in locals
 * over all of the row's non-zeros (one kernel load per vector, no output loads and stores between).
 */
function gatherFunction(module: ModuleBuilder): void {
  const vectors = VECTORS_PER_TURN;
  const f = module.function("gather", i32Params("rows", "n", "ptrAt", "idxAt", "valAt", "kernelAt", "biasAt", "outAt"), [], true);
  declareLocals(f, ["source", "pStart"]);
  for (let v = 0; v < vectors; v++) f.local(accumulator(v), "v128");
  eachRow(f, "outAt", () => {
    f.get("ptr").op("i32.load", 0).i32(FLOAT_BYTES).op("i32.mul").get("idxAt").op("i32.add").set("pStart");
    f.get("ptr").op("i32.load", FLOAT_BYTES).i32(FLOAT_BYTES).op("i32.mul").get("idxAt").op("i32.add").set("pEnd");
    f.i32(0).set("j");
    f.doWhile(
      () => {
        for (let v = 0; v < vectors; v++) f.get("biasAt").get("j").op("i32.add").op("v128.load", v * VECTOR_BYTES).set(accumulator(v));
        f.get("pStart").set("p");
        f.get("p").get("pEnd").op("i32.ne").op("if");
        f.doWhile(
          () => {
            f.get("p").get("valueShift").op("i32.add").op("v128.load32_splat", 0).set("v");
            f.get("p").op("i32.load", 0).get("rowBytes").op("i32.mul").get("kernelAt").op("i32.add").get("j").op("i32.add").set("source");
            for (let v = 0; v < vectors; v++) {
              f.get(accumulator(v)).get("v").get("source").op("v128.load", v * VECTOR_BYTES).op("f32x4.mul").op("f32x4.add").set(accumulator(v));
            }
            f.increment("p", () => f.i32(FLOAT_BYTES));
          },
          () => f.get("p").get("pEnd").op("i32.ne"),
        );
        f.op("end");
        for (let v = 0; v < vectors; v++) f.get("row").get("j").op("i32.add").get(accumulator(v)).op("v128.store", v * VECTOR_BYTES);
        f.increment("j", () => f.i32(vectors * VECTOR_BYTES));
      },
      () => f.get("j").get("rowBytes").op("i32.ne"),
    );
  });
}

function scatterFunction(module: ModuleBuilder): void {
  const f = module.function("scatter", i32Params("rows", "n", "ptrAt", "idxAt", "valAt", "dzAt", "dwAt"), [], true);
  declareLocals(f, ["column", "target"]);
  f.local("zero", "v128");
  f.op("v128.const", new Array(16).fill(0)).set("zero");
  const addInto = (start: (at: number) => void) =>
    eachVectorOfRow(f, (at) => {
      f.get("target").get("j").op("i32.add");
      start(at);
      f.get("v").get("row").get("j").op("i32.add").op("v128.load", at).op("f32x4.mul");
      f.op("f32x4.add").op("v128.store", at);
    });
  eachRow(f, "dzAt", () => {
    eachNonZero(f, () => {
      f.get("p").op("i32.load", 0).set("column");
      f.get("column").i32(0).op("i32.lt_s").op("if");
      f.i32(-1).get("column").op("i32.sub").get("rowBytes").op("i32.mul").get("dwAt").op("i32.add").set("target");
      addInto(() => f.get("zero"));
      f.op("else");
      f.get("column").get("rowBytes").op("i32.mul").get("dwAt").op("i32.add").set("target");
      addInto((at) => f.get("target").get("j").op("i32.add").op("v128.load", at));
      f.op("end");
    });
  });
}

/** The module's bytes; its memory starts at `pages` pages (the caller lays everything out in it and never grows it). */
export function sparseKernelModule(pages: number): Uint8Array {
  const module = new ModuleBuilder(pages);
  gatherFunction(module);
  scatterFunction(module);
  return module.encode();
}

export interface SparseKernelExports {
  readonly memory: GrowableMemory;
  gather(rows: number, n: number, ptrAt: number, idxAt: number, valAt: number, kernelAt: number, biasAt: number, outAt: number): void;
  scatter(rows: number, n: number, ptrAt: number, idxAt: number, valAt: number, dzAt: number, dwAt: number): void;
}
