// The wasm function that packs B for the micro-kernel: panel after panel of NR columns, each panel k
// rows of NR floats, the last one zero-padded. B is read in place (element (p, j) at
// b + p·bKStride + j·bJStride bytes), so the same function packs B and a transposed B.

import { i32Params, type FunctionBuilder, type ModuleBuilder } from "../wasm/wasm-assembler";
import { FLOAT_BYTES, VECTOR_BYTES, type Tile } from "./tile";

/** packB(b, bKStride, bJStride, n, k, packed) */
export function packB(module: ModuleBuilder, tile: Tile): void {
  const { nr, panelRowBytes } = tile;
  const f = module.function("packB", i32Params("b", "bKStride", "bJStride", "n", "k", "packed"), [], true);
  f.local("j0", "i32").local("cols", "i32").local("src", "i32").local("panelEnd", "i32");
  f.local("column", "i32").local("from", "i32");
  f.i32(0).set("j0");
  f.doWhile(
    () => {
      f.setMinUnsigned("cols", () => f.i32(nr), () => f.get("n").get("j0").op("i32.sub"));
      f.get("b").get("j0").get("bJStride").op("i32.mul").op("i32.add").set("src");
      f.get("packed").get("k").i32(panelRowBytes).op("i32.mul").op("i32.add").set("panelEnd");
      f.get("cols").i32(nr).op("i32.eq").get("bJStride").i32(FLOAT_BYTES).op("i32.eq").op("i32.and").op("if");
      copyPanelRows(f, tile);
      f.op("else");
      gatherPanel(f, tile);
      f.op("end");
      f.increment("j0", () => f.i32(nr));
    },
    () => f.get("j0").get("n").op("i32.lt_u"),
  );
}

/** A full panel of a row-major B: NR/4 vectors per row. */
function copyPanelRows(f: FunctionBuilder, { vectorsPerRow, panelRowBytes }: Tile): void {
  f.doWhile(
    () => {
      for (let v = 0; v < vectorsPerRow; v++) f.get("packed").get("src").op("v128.load", v * VECTOR_BYTES).op("v128.store", v * VECTOR_BYTES);
      f.increment("src", () => f.get("bKStride"));
      f.increment("packed", () => f.i32(panelRowBytes));
    },
    () => f.get("packed").get("panelEnd").op("i32.ne"),
  );
}

/** A transposed B or the last panel, one float at a time: cols values per row, then zeros up to NR. */
function gatherPanel(f: FunctionBuilder, { nr, panelRowBytes }: Tile): void {
  const storeAddress = (): void => void f.get("packed").get("column").i32(FLOAT_BYTES).op("i32.mul").op("i32.add");
  f.doWhile(
    () => {
      f.i32(0).set("column");
      f.get("src").set("from");
      f.doWhile(
        () => {
          storeAddress();
          f.get("from").op("f32.load", 0).op("f32.store", 0);
          f.increment("from", () => f.get("bJStride"));
          f.increment("column", () => f.i32(1));
        },
        () => f.get("column").get("cols").op("i32.lt_u"),
      );
      f.get("column").i32(nr).op("i32.lt_u").op("if");
      f.doWhile(
        () => {
          storeAddress();
          f.i32(0).op("i32.store", 0); // the bits of +0.0f
          f.increment("column", () => f.i32(1));
        },
        () => f.get("column").i32(nr).op("i32.lt_u"),
      );
      f.op("end");
      f.increment("src", () => f.get("bKStride"));
      f.increment("packed", () => f.i32(panelRowBytes));
    },
    () => f.get("packed").get("panelEnd").op("i32.ne"),
  );
}
