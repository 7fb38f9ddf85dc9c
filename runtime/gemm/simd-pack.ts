// The wasm functions that pack an operand into panels for the micro-kernel: panel after panel of
// `width` lines (columns of B, NR of them; rows of a transposed A, MR of them), each panel k rows of
// `width` floats, the last one zero-padded. The operand is read in place (element (p, j) at
// src + p·kStride + j·lineStride bytes), so one function packs B and a transposed B alike.

import { i32Params, type FunctionBuilder, type ModuleBuilder } from "../wasm/wasm-assembler";
import { FLOAT_BYTES, VECTOR_BYTES } from "./tile";

/** Emits `name(src, kStride, lineStride, lines, k, packed)`, packing panels of `width` lines. */
export function packPanels(module: ModuleBuilder, name: string, width: number): void {
  const rowBytes = width * FLOAT_BYTES;
  const f = module.function(name, i32Params("src", "kStride", "lineStride", "lines", "k", "packed"), [], true);
  f.local("j0", "i32").local("cols", "i32").local("from0", "i32").local("panelEnd", "i32");
  f.local("column", "i32").local("from", "i32");
  f.i32(0).set("j0");
  f.doWhile(
    () => {
      f.setMinUnsigned("cols", () => f.i32(width), () => f.get("lines").get("j0").op("i32.sub"));
      f.get("src").get("j0").get("lineStride").op("i32.mul").op("i32.add").set("from0");
      f.get("packed").get("k").i32(rowBytes).op("i32.mul").op("i32.add").set("panelEnd");
      if (rowBytes % VECTOR_BYTES === 0) {
        f.get("cols").i32(width).op("i32.eq").get("lineStride").i32(FLOAT_BYTES).op("i32.eq").op("i32.and").op("if");
        copyPanelRows(f, rowBytes);
        f.op("else");
        gatherPanel(f, width);
        f.op("end");
      } else {
        gatherPanel(f, width);
      }
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
