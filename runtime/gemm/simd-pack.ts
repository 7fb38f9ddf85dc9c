// The wasm functions that pack an operand into panels for the micro-kernel: panel after panel of
// `width` lines (columns of B, NR of them; rows of a transposed A, MR of them), each panel k rows of
// `width` floats, the last one zero-padded. The operand is read in place (element (p, j) at
// src + p·kStride + j·lineStride bytes), so one function packs B and a transposed B alike.
//
// packColumnSums packs a B whose columns are adjacent floats into whole panels and, as it reads each
// column, sums it in float64 from row 0 down: the sums columnSums gives (rows-kernel.ts), made in
// the pass the product needs anyway (a recurrent layer's bias gradient, from the dZ its weights'
// gradient packs).

import { i32Params, type FunctionBuilder, type ModuleBuilder } from "../wasm/wasm-assembler";
import { FLOAT_BYTES, VECTOR_BYTES } from "./tile";

/**
 * Emits `name(src, kStride, lineStride, lines, k, packed)`, packing panels of `width` lines; with
 * `skipping`, `name(src, kStride, lineStride, lines, k, packed, skip)`, which leaves `skip` bytes after
 * each panel: the operand's k rows become rows of longer panels, whose other rows another call packs
 * (a recurrent step's [x_t | h_{t-1}] from its two tapes: walk-kernel.ts).
 */
export function packPanels(module: ModuleBuilder, name: string, width: number, skipping = false): void {
  const rowBytes = width * FLOAT_BYTES;
  const f = module.function(name, i32Params("src", "kStride", "lineStride", "lines", "k", "packed", ...(skipping ? ["skip"] : [])), [], true);
  f.local("j0", "i32").local("cols", "i32").local("from0", "i32").local("panelEnd", "i32");
  f.local("column", "i32").local("from", "i32").local("blockEnd", "i32");
  const transposing = width === FLOATS_PER_VECTOR;
  if (transposing) for (const name of [...rowVectors, ...halfVectors]) f.local(name, "v128");
  f.i32(0).set("j0");
  f.doWhile(
    () => {
      f.setMinUnsigned("cols", () => f.i32(width), () => f.get("lines").get("j0").op("i32.sub"));
      f.get("src").get("j0").get("lineStride").op("i32.mul").op("i32.add").set("from0");
      f.get("packed").get("k").i32(rowBytes).op("i32.mul").op("i32.add").set("panelEnd");
      const rest = (): void => {
        if (transposing) {
          // a full panel of four lines along which k runs (an A as stored): 4×4 blocks transposed in registers
          f.get("cols").i32(width).op("i32.eq").get("kStride").i32(FLOAT_BYTES).op("i32.eq").op("i32.and").op("if");
          transposeBlocks(f);
          f.op("end");
          f.get("packed").get("panelEnd").op("i32.ne").op("if");
          gatherPanel(f, width);
          f.op("end");
        } else {
          gatherPanel(f, width);
        }
      };
      if (rowBytes % VECTOR_BYTES === 0) {
        f.get("cols").i32(width).op("i32.eq").get("lineStride").i32(FLOAT_BYTES).op("i32.eq").op("i32.and").op("if");
        copyPanelRows(f, rowBytes);
        f.op("else");
        rest();
        f.op("end");
      } else {
        rest();
      }
      if (skipping) f.increment("packed", () => f.get("skip"));
      f.increment("j0", () => f.i32(width));
    },
    () => f.get("j0").get("lines").op("i32.lt_u"),
  );
}

/** A full panel whose lines are adjacent floats: whole vectors per row. */
function copyPanelRows(f: FunctionBuilder, rowBytes: number): void {
  f.doWhile(
    () => {
      for (let at = 0; at < rowBytes; at += VECTOR_BYTES) f.get("packed").get("from0").op("v128.load", at).op("v128.store", at);
      f.increment("from0", () => f.get("kStride"));
      f.increment("packed", () => f.i32(rowBytes));
    },
    () => f.get("packed").get("panelEnd").op("i32.ne"),
  );
}

const FLOATS_PER_VECTOR = VECTOR_BYTES / FLOAT_BYTES;
const rowVectors = ["line0", "line1", "line2", "line3"];
const halfVectors = ["low01", "low23", "high01", "high23"];
/** i8x16.shuffle's byte indices picking the given f32 lanes of its two operands (0-3 the first, 4-7 the second). */
const lanes = (...picked: number[]): number[] => picked.flatMap((lane) => [0, 1, 2, 3].map((byte) => 4 * lane + byte));

/** Four lines of four floats each step of four: loaded as vectors, transposed (k rows of four lines), stored; stops before the last k mod 4 rows. */
function transposeBlocks(f: FunctionBuilder): void {
  f.get("packed").get("k").i32(-FLOATS_PER_VECTOR).op("i32.and").i32(VECTOR_BYTES).op("i32.mul").op("i32.add").set("blockEnd");
  f.get("packed").get("blockEnd").op("i32.ne").op("if");
  f.doWhile(
    () => {
      f.get("from0").tee("from").op("v128.load", 0).set("line0");
      for (let line = 1; line < 4; line++) f.get("from").get("lineStride").op("i32.add").tee("from").op("v128.load", 0).set(rowVectors[line]!);
      const shuffle = (x: string, y: string, picked: number[], into: string): void => void f.get(x).get(y).op("i8x16.shuffle", lanes(...picked)).set(into);
      shuffle("line0", "line1", [0, 4, 1, 5], "low01");
      shuffle("line2", "line3", [0, 4, 1, 5], "low23");
      shuffle("line0", "line1", [2, 6, 3, 7], "high01");
      shuffle("line2", "line3", [2, 6, 3, 7], "high23");
      const store = (row: number, x: string, y: string, picked: number[]): void => void f.get("packed").get(x).get(y).op("i8x16.shuffle", lanes(...picked)).op("v128.store", row * VECTOR_BYTES);
      store(0, "low01", "low23", [0, 1, 4, 5]);
      store(1, "low01", "low23", [2, 3, 6, 7]);
      store(2, "high01", "high23", [0, 1, 4, 5]);
      store(3, "high01", "high23", [2, 3, 6, 7]);
      f.increment("from0", () => f.i32(VECTOR_BYTES));
      f.increment("packed", () => f.i32(4 * VECTOR_BYTES));
    },
    () => f.get("packed").get("blockEnd").op("i32.ne"),
  );
  f.op("end");
}

/** Lines apart in memory, or the last panel: one float at a time, cols values per row, then zeros up to the width. */
function gatherPanel(f: FunctionBuilder, width: number): void {
  const storeAddress = (): void => void f.get("packed").get("column").i32(FLOAT_BYTES).op("i32.mul").op("i32.add");
  f.doWhile(
    () => {
      f.i32(0).set("column");
      f.get("from0").set("from");
      f.doWhile(
        () => {
          storeAddress();
          f.get("from").op("f32.load", 0).op("f32.store", 0);
          f.increment("from", () => f.get("lineStride"));
          f.increment("column", () => f.i32(1));
        },
        () => f.get("column").get("cols").op("i32.lt_u"),
      );
      f.get("column").i32(width).op("i32.lt_u").op("if");
      f.doWhile(
        () => {
          storeAddress();
          f.i32(0).op("i32.store", 0); // the bits of +0.0f
          f.increment("column", () => f.i32(1));
        },
        () => f.get("column").i32(width).op("i32.lt_u"),
      );
      f.op("end");
      f.increment("from0", () => f.get("kStride"));
      f.increment("packed", () => f.i32(width * FLOAT_BYTES));
    },
    () => f.get("packed").get("panelEnd").op("i32.ne"),
  );
}

/** The high two floats of a vector moved to the low two. */
const HIGH_HALF = lanes(2, 3, 2, 3);
const SUMS_BYTES_PER_VECTOR = 2 * VECTOR_BYTES;
/** Panels packColumnSums packs in one pass over the rows. */
const PANELS_PER_PASS = 2;

/**
 * Emits `name(src, kStride, lines, k, packed, sumsAt)`: packPanels' panels of `width` lines for an
 * operand whose lines are adjacent floats (lineStride 4) and fill whole panels (lines a multiple of
 * width), and the float64 sum of each line over its k rows, from row 0 down, at sumsAt (8 bytes a line).
 */
export function packColumnSums(module: ModuleBuilder, name: string, width: number): void {
  const rowBytes = width * FLOAT_BYTES;
  const vectors = rowBytes / VECTOR_BYTES;
  const f = module.function(name, i32Params("src", "kStride", "lines", "k", "packed", "sumsAt"), [], true);
  f.local("j0", "i32").local("from", "i32").local("panelEnd", "i32").local("panelBytes", "i32").local("x", "v128");
  for (let s = 0; s < 2 * vectors * PANELS_PER_PASS; s++) f.local(`sum${s}`, "v128");
  f.get("lines").i32(0).op("i32.eq").get("k").i32(0).op("i32.eq").op("i32.or").op("br_if", 0);
  f.get("k").i32(rowBytes).op("i32.mul").set("panelBytes");
  f.i32(0).set("j0");
  // `panels` panels a pass over the rows, each row's floats for them read together
  const pass = (panels: number) => {
    const sums = 2 * vectors * panels;
    for (let s = 0; s < sums; s++) f.op("v128.const", new Array(16).fill(0)).set(`sum${s}`);
    f.get("src").get("j0").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("from");
    f.get("packed").get("panelBytes").op("i32.add").set("panelEnd");
    f.doWhile(
      () => {
        for (let q = 0; q < panels; q++) {
          for (let v = 0; v < vectors; v++) {
            const sum = 2 * (q * vectors + v);
            f.get("packed");
            if (q > 0) f.get("panelBytes").op("i32.add");
            f.get("from").op("v128.load", q * rowBytes + v * VECTOR_BYTES).tee("x").op("v128.store", v * VECTOR_BYTES);
            f.get(`sum${sum}`).get("x").op("f64x2.promote_low_f32x4").op("f64x2.add").set(`sum${sum}`);
            f.get(`sum${sum + 1}`).get("x").get("x").op("i8x16.shuffle", HIGH_HALF).op("f64x2.promote_low_f32x4").op("f64x2.add").set(`sum${sum + 1}`);
          }
        }
        f.increment("from", () => f.get("kStride"));
        f.increment("packed", () => f.i32(rowBytes));
      },
      () => f.get("packed").get("panelEnd").op("i32.ne"),
    );
    for (let s = 0; s < sums; s++) f.get("sumsAt").get(`sum${s}`).op("v128.store", s * VECTOR_BYTES);
    f.increment("sumsAt", () => f.i32(panels * vectors * SUMS_BYTES_PER_VECTOR));
    f.increment("j0", () => f.i32(panels * width));
    // past the pass' other panels, which packed has not walked through
    if (panels > 1) f.increment("packed", () => f.get("panelBytes").i32(panels - 1).op("i32.mul"));
  };
  f.doWhile(
    () => {
      // two panels while two are left (a row's two halves of a cache line, where width is 8), then one
      f.get("lines").get("j0").op("i32.sub").i32(PANELS_PER_PASS * width).op("i32.lt_u").op("if");
      pass(1);
      f.op("else");
      pass(PANELS_PER_PASS);
      f.op("end");
    },
    () => f.get("j0").get("lines").op("i32.lt_u"),
  );
}
