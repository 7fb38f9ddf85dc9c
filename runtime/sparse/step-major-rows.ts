// An embedding's rows for a recurrent layer, step-major, called by generated code. The layer
// processes the input's row b·steps + s at step t (s = t, or steps - 1 - t going backwards), so its
// tape xT holds at row t·batch + b the table's row named by that input's id; backward, dxT's rows are
// scatter-added into the table's gradient in the order b, then t, so that an id named twice sums
// its rows in one order however it runs. Where the arrays lie in gemm's resident heap (hosts
// with worker threads), each is a band job of gemm's module (rows-by-id-kernel.ts: shared with its
// worker threads where there is enough to move), the ids listed in its scratch; elsewhere a loop in
// JavaScript. Both give the same bits. The ids are checked against
// the table's rows before anything is read or written.

import { simdGemm } from "../gemm/gemm";
import type { ROWS_BY_ID_BANDS } from "./rows-by-id-kernel";
import { fillRows, type RowsZeroer } from "./touched-rows";

const INT_BYTES = 4;
const FLOAT_BYTES = 4;

/** xt's row t·batch + b = table's row ids[b·steps + s(t)]: every row of the input's ids gathered step-major. */
export function gatherStepMajor(xt: Float32Array, table: Float32Array, width: number, ids: Int32Array, steps: number, batch: number, backwards: boolean): void {
  checkArguments(table, width, ids, steps * batch, "xt", xt);
  const [tableAt, xtAt] = [residentAt(table, width), residentAt(xt, width)];
  if (tableAt < 0 || xtAt < 0) return jsGather(xt, table, width, ids, steps, batch, backwards);
  const at = listRoom(steps * batch);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) intView[at + t * batch + b] = ids[b * steps + (backwards ? steps - 1 - t : t)]!;
  }
  runBand("gatherRowsBand", at, steps * batch, steps * batch, width, tableAt, at * INT_BYTES, xtAt, steps * batch, width * FLOAT_BYTES);
}

/** grad's row ids[b·steps + s(t)] += dxt's row t·batch + b, for b = 0 … batch-1, and for each b t = 0 … steps-1. */
export function scatterAddStepMajor(grad: Float32Array, width: number, ids: Int32Array, steps: number, batch: number, backwards: boolean, dxt: Float32Array): void {
  checkArguments(grad, width, ids, steps * batch, "dxt", dxt);
  const [gradAt, dxtAt] = [residentAt(grad, width), residentAt(dxt, width)];
  if (gradAt < 0 || dxtAt < 0) return jsScatterAdd(grad, width, ids, steps, batch, backwards, dxt);
  const at = listRoom(2 * steps * batch);
  let entry = at;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      intView[entry++] = ids[b * steps + (backwards ? steps - 1 - t : t)]!;
      intView[entry++] = t * batch + b;
    }
  }
  runBand("scatterAddRowsBand", at, 2 * steps * batch, grad.length / width, width, gradAt, at * INT_BYTES, dxtAt, steps * batch, width * FLOAT_BYTES);
}

/** grad's rows rows[0 … count-1] zeroed: a band job of gemm's module where grad lies in its heap. */
export const zeroRowsById: RowsZeroer = (grad, width, rows, count) => {
  const gradAt = residentAt(grad, width);
  if (gradAt < 0) return fillRows(grad, width, rows, count);
  const at = listRoom(count);
  for (let i = 0; i < count; i++) intView[at + i] = rows[i]!;
  runBand("zeroRowsBand", at, count, count, width, gradAt, at * INT_BYTES, count, width * FLOAT_BYTES);
};

/** Throws, before anything is read or written, where one of the batch's `count` ids is not a row of the table (the first named) or the tape is short of `count` rows. */
function checkArguments(table: Float32Array, width: number, ids: Int32Array, count: number, tapeName: string, tape: Float32Array): void {
  const rows = Math.floor(table.length / width);
  for (let position = 0; position < count; position++) {
    const id = ids[position]!;
    if (!(id >= 0 && id < rows)) throw new RangeError(`embedding: the id at position ${position} is ${id}, not a row of the table (0 … ${rows - 1})`);
  }
  if (tape.length < count * width) throw new RangeError(`embedding: ${tapeName} holds ${tape.length} floats, needs ${count * width} (steps · batch rows of the table's width)`);
}

/**
 * The array's byte address in gemm's resident heap (which only a module on shared memory, with the
 * band functions, has), or -1 where it lies elsewhere or its rows of `width` floats are not whole f32x4 vectors.
 */
function residentAt(array: Float32Array, width: number): number {
  return width % 4 === 0 ? (simdGemm()?.residentHeap?.addressOf(array) ?? -1) : -1;
}

/**
 * A band function of rows-by-id-kernel.ts over `rows` (list entries, or the gradient's rows for the
 * scatter-add), its arguments written after the list (`entries` i32s from intView's index `list`):
 * shared with gemm's worker threads when there are enough rows of `width` floats (moving a float is
 * weighed as a few multiply-adds).
 */
function runBand(name: (typeof ROWS_BY_ID_BANDS)[number], list: number, entries: number, rows: number, width: number, ...args: number[]): void {
  const gemm = simdGemm()!;
  const argsAt = Math.ceil(((list + entries) * INT_BYTES) / 16) * 16;
  gemm.writeArgs(argsAt, ...args);
  gemm.band(name, argsAt, rows, width * MOVE_WORK_PER_FLOAT);
}

/** What moving a float costs, in multiply-adds: what gemm's threads weigh against handing a band over. */
const MOVE_WORK_PER_FLOAT = 4;

/** The memory as i32s, remade when it grows. */
let intView: Int32Array<ArrayBufferLike> = new Int32Array(0);
/** Room after a list for a band's arguments (at most 5 i32s) and their alignment. */
const ARGS_BYTES = 64;

/** Room for `count` i32s at gemm's first free address: the index in intView of the first. */
function listRoom(count: number): number {
  const gemm = simdGemm()!;
  const first = gemm.firstFreeAddress;
  const buffer = gemm.floats(first + count * INT_BYTES + ARGS_BYTES).buffer;
  if (intView.buffer !== buffer) intView = new Int32Array(buffer);
  return first / INT_BYTES;
}

function jsGather(xt: Float32Array, table: Float32Array, width: number, ids: Int32Array, steps: number, batch: number, backwards: boolean): void {
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const from = ids[b * steps + (backwards ? steps - 1 - t : t)]! * width;
      const to = (t * batch + b) * width;
      for (let j = 0; j < width; j++) xt[to + j] = table[from + j]!;
    }
  }
}

function jsScatterAdd(grad: Float32Array, width: number, ids: Int32Array, steps: number, batch: number, backwards: boolean, dxt: Float32Array): void {
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const to = ids[b * steps + (backwards ? steps - 1 - t : t)]! * width;
      const from = (t * batch + b) * width;
      for (let j = 0; j < width; j++) grad[to + j]! += dxt[from + j]!;
    }
  }
}
