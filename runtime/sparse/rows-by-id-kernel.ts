// An embedding's rows moved by id, as WebAssembly functions in gemm's module (on its shared memory,
// where a model's tables, tapes and gradients lie in the resident heap). All addresses in bytes; a
// row is rowBytes bytes, a positive multiple of 16 (a whole number of f32x4 vectors).
//
//   gatherRows(table, ids, out, count, rowBytes)
//       for i = 0 … count-1: out's row i = table's row ids[i] (ids: count i32s)
//   scatterAddRows(grad, pairs, dx, count, rowBytes, low, high)
//       for i = 0 … count-1, in that order: grad's row pairs[2i] += dx's row pairs[2i+1], where that
//       row is in [low, high) (f32x4.add: each float rounded once, as a float32 `+=` in JavaScript
//       rounds it); a row's sum is made in one order whatever the range, so ranges on several threads
//       give one thread's bits
//   zeroRows(grad, ids, count, rowBytes)
//       for i = 0 … count-1: grad's row ids[i] = 0
//
// and their band functions (band-kernels.ts' signature): gatherRowsBand and zeroRowsBand on the
// band's entries of the list, scatterAddRowsBand on the band's rows of grad (args: the function's
// arguments in order, scatterAddRows' without low and high).

import { i32Params, type FunctionBuilder, type ModuleBuilder } from "../wasm/wasm-assembler";

const VECTOR_BYTES = 16;

/** The band functions, in the order band-kernels.ts lists them. */
export const ROWS_BY_ID_BANDS = ["gatherRowsBand", "zeroRowsBand", "scatterAddRowsBand"] as const;


/** For each of `count` entries `entryBytes` apart from the address in the local `list`: `entry`, with `list` at the entry. */
function forEachEntry(f: FunctionBuilder, list: string, entryBytes: number, entry: () => void): void {
  f.get("count").op("if");
  f.doWhile(
    () => {
      entry();
      f.increment(list, () => f.i32(entryBytes));
      f.increment("count", () => f.i32(-1));
    },
    () => f.get("count"),
  );
  f.op("end");
}

/** For each vector of a row: `vector` with the local `offset` at its byte offset in the row. */
function forEachVector(f: FunctionBuilder, vector: () => void): void {
  f.i32(0).set("offset");
  f.doWhile(
    () => {
      vector();
      f.increment("offset", () => f.i32(VECTOR_BYTES));
    },
    () => f.get("offset").get("rowBytes").op("i32.lt_u"),
  );
}

/** address + ids[entry]·rowBytes, from the i32 at the list local's address (plus `at` bytes). */
function rowAddress(f: FunctionBuilder, base: string, list: string, at = 0): FunctionBuilder {
  return f.get(base).get(list).op("i32.load", at).get("rowBytes").op("i32.mul").op("i32.add");
}

function gatherRows(module: ModuleBuilder): void {
  const f = module.function("gatherRows", i32Params("table", "ids", "out", "count", "rowBytes"), [], true);
  f.local("from", "i32").local("offset", "i32");
  forEachEntry(f, "ids", 4, () => {
    rowAddress(f, "table", "ids").set("from");
    forEachVector(f, () => f.get("out").get("offset").op("i32.add").get("from").get("offset").op("i32.add").op("v128.load", 0).op("v128.store", 0));
    f.increment("out", () => f.get("rowBytes"));
  });
}

function scatterAddRows(module: ModuleBuilder): void {
  const f = module.function("scatterAddRows", i32Params("grad", "pairs", "dx", "count", "rowBytes", "low", "high"), [], true);
  f.local("to", "i32").local("from", "i32").local("offset", "i32");
  forEachEntry(f, "pairs", 8, () => {
    // rows outside [low, high) are another band's (unsigned: row - low wraps for rows below low)
    f.get("pairs").op("i32.load", 0).get("low").op("i32.sub").get("high").get("low").op("i32.sub").op("i32.lt_u").op("if");
    rowAddress(f, "grad", "pairs").set("to");
    rowAddress(f, "dx", "pairs", 4).set("from");
    forEachVector(f, () => {
      f.get("to").get("offset").op("i32.add");
      f.get("to").get("offset").op("i32.add").op("v128.load", 0);
      f.get("from").get("offset").op("i32.add").op("v128.load", 0);
      f.op("f32x4.add").op("v128.store", 0);
    });
    f.op("end");
  });
}

function zeroRows(module: ModuleBuilder): void {
  const f = module.function("zeroRows", i32Params("grad", "ids", "count", "rowBytes"), [], true);
  f.local("to", "i32").local("offset", "i32").local("zero", "v128");
  f.op("f32.const", 0).op("f32x4.splat").set("zero");
  forEachEntry(f, "ids", 4, () => {
    rowAddress(f, "grad", "ids").set("to");
    forEachVector(f, () => f.get("to").get("offset").op("i32.add").get("zero").op("v128.store", 0));
  });
}

/** The band's entries of a list (entryBytes apart from args' second argument): `name`(args[0], list + row0·entryBytes, args[2] (unless absent), rows, rowBytes). */
function entriesBand(module: ModuleBuilder, name: string, callee: string, entryBytes: number, withOut: boolean): void {
  const f = module.function(name, i32Params("args", "row0", "rows", "scratch"), [], true);
  f.get("args").op("i32.load", 0);
  f.get("args").op("i32.load", 4).get("row0").i32(entryBytes).op("i32.mul").op("i32.add");
  if (withOut) f.get("args").op("i32.load", 8).get("row0").get("args").op("i32.load", 16).op("i32.mul").op("i32.add");
  f.get("rows").get("args").op("i32.load", withOut ? 16 : 12);
  f.call(callee);
}

/** scatterAddRows over every pair, adding only to the band's rows of grad. */
function scatterAddRowsBand(module: ModuleBuilder): void {
  const f = module.function("scatterAddRowsBand", i32Params("args", "row0", "rows", "scratch"), [], true);
  for (let arg = 0; arg < 5; arg++) f.get("args").op("i32.load", arg * 4);
  f.get("row0").get("row0").get("rows").op("i32.add");
  f.call("scatterAddRows");
}

/** gatherRows, scatterAddRows and zeroRows and their band functions, exported, into gemm's module. */
export function addRowsByIdFunctions(module: ModuleBuilder): void {
  gatherRows(module);
  scatterAddRows(module);
  zeroRows(module);
  entriesBand(module, "gatherRowsBand", "gatherRows", 4, true);
  entriesBand(module, "zeroRowsBand", "zeroRows", 4, false);
  scatterAddRowsBand(module);
}
