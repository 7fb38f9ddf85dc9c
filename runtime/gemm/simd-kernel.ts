// The WebAssembly SIMD module behind gemm. All addresses and strides are in bytes.
//
//   packB(b, bKStride, bJStride, n, k, packed)     B into panels of NR columns (simd-pack.ts)
//   packA(a, aKStride, aRowStride, m, k, packed)   A into panels of MR rows, the same way
//   gemm(m, n, k, a, aPacked, packedB, c, accumulate, scratch)
//       C (m×n, row-major at c) = or += A·B, A (m×k) row-major at a, or packed there when aPacked;
//       edge tiles computed on the scratch tile at `scratch`.
//   epilogue(c, rows, n, bias, hasBias, relu)
//       a dense layer's bias and activation on C in place: C[i, j] + bias[j] (the n floats at bias,
//       when hasBias), then relu(z) = z > 0 ? z : 0 (f32x4.pmax(0, z): NaN gives 0, as the
//       generated code's expression) when relu; four columns a step, the row's last n mod 4 one by one.
//
// A is packed when transposed, or when C is wide enough to repay it (simd-gemm.ts); then the
// micro-kernel for packed A reads it through one pointer, MR floats a step of k. Otherwise the
// micro-kernel for rows reads A where it is stored, through one pointer per row.
//
// gemm cuts k into slices of KC and the rows into blocks of MC (about 64, whole tiles), so that a
// KC×NR panel of B (at most 128 KB) stays in L2 while the MC rows of A pass under it, and computes C in MR×NR tiles
// (tile.ts): MR·NR/4 f32x4 accumulators, per step of k one splatted A scalar per row and NR/4
// vectors of B, multiplied and added, or fused into one relaxed-SIMD f32x4.relaxed_madd (one
// rounding instead of two) in the build for hosts that have it (relaxed-simd.ts). A tile cut by the
// edge of C is computed on the caller's scratch tile (one per thread); its rows past m read the zeros that pad
// a packed A, or whatever follows A in place (the caller leaves room for them), and are dropped, like
// its columns past n (which the padding of B made zero).
// Whatever the blocking, each element of C is summed in float32 in the order p = 0, 1, …, k - 1
// (slices hand their sums on through C exactly), so on one host results are reproducible to the bit,
// and a band of C's rows computed on its own (by another thread, gemm-threads.ts) is bit-identical.

import { i32Params, ModuleBuilder, type FunctionBuilder } from "../wasm/wasm-assembler";
import { packPanels } from "./simd-pack";
import type { GrowableMemory } from "../wasm/scratch-memory";
import { DEFAULT_TILE, FLOAT_BYTES, VECTOR_BYTES, type Tile } from "./tile";
import type { SharedMemoryImport } from "../wasm/wasm-assembler";

/** One build of the module: its register tile, and whether it multiplies and adds with relaxed_madd. */
export interface KernelBuild {
  readonly tile: Tile;
  readonly fusedMultiplyAdd: boolean;
}

export const PLAIN_BUILD: KernelBuild = { tile: DEFAULT_TILE, fusedMultiplyAdd: false };

/**
 * Steps of k a slice. A slice of 256 (an 8 KB panel of B, L1's size) measured 7-11% slower on two
 * threads than no slicing on the products with long k, lstm's weight gradient [xᵀ; h_prevᵀ]·dZ
 * (128×256×3200) and the MLP's first layer (128×256×784), and no faster elsewhere: each slice
 * loads and stores C's tiles again, and the panels stream from L2 at the micro-kernel's pace.
 */
const KC = 4096;
/** About 64 rows a block, a whole number of tiles (a packed A's panels are MR rows each). */
const rowsPerBlock = ({ mr }: Tile): number => Math.max(1, Math.floor(64 / mr)) * mr;

const accumulator = (row: number, vector: number): string => `acc${row}_${vector}`;
const aRow = (row: number): string => `a${row}`;
const bVector = (vector: number): string => `b${vector}`;

/**
 * How the micro-kernel finds A: rows in place (along k one float apart, rows aRowStride apart), or a
 * packed panel (MR floats per step of k). In the module on shared memory (hosts with worker threads;
 * the browser's module stays small enough to compile on its main thread), each row stride of
 * FIXED_ROW_STRIDES has a kernel of its own that reads the rows at constant offsets from one pointer:
 * one pointer to step instead of MR (about 14% faster on a 3200×256×64 product).
 */
type AForm = "rows" | "packed" | FixedRows;
type FixedRows = { readonly strideBytes: number };
/** Row strides of A in place, in bytes, with a micro-kernel of their own: 32 to 256 floats, a recurrent layer's units or gates. */
export const FIXED_ROW_STRIDES = [128, 256, 512, 1024] as const;
const kernelName = (form: AForm): string => (form === "rows" ? "microKernelRows" : form === "packed" ? "microKernelPacked" : `microKernelRows${form.strideBytes}`);

/** microKernelRows / microKernelPacked / microKernelRows<stride>(a0, aRowStride, b, c, ldc, kc, loadC): the tile at c = (loadC ? tile : 0) + kc steps of A·B. */
function microKernel(module: ModuleBuilder, { tile, fusedMultiplyAdd }: KernelBuild, form: AForm): void {
  const { mr, vectorsPerRow, panelRowBytes } = tile;
  const f = module.function(kernelName(form), i32Params("a0", "aRowStride", "b", "c", "ldc", "kc", "loadC"));
  if (form === "rows") for (let r = 1; r < mr; r++) f.local(aRow(r), "i32");
  f.local("bEnd", "i32").local("cRow", "i32").local("splat", "v128");
  for (let v = 0; v < vectorsPerRow; v++) f.local(bVector(v), "v128");
  for (let r = 0; r < mr; r++) for (let v = 0; v < vectorsPerRow; v++) f.local(accumulator(r, v), "v128");

  if (form === "rows") for (let r = 1; r < mr; r++) f.get(aRow(r - 1)).get("aRowStride").op("i32.add").set(aRow(r));
  f.get("loadC").op("if");
  forEachTileVector(f, tile, (r, v) => f.get("cRow").op("v128.load", v * VECTOR_BYTES).set(accumulator(r, v)));
  f.op("end");
  f.get("b").get("kc").i32(panelRowBytes).op("i32.mul").op("i32.add").set("bEnd");
  // one step of k a pass: V8 hoists the loads of an unrolled second step above the first one's arithmetic and spills
  f.doWhile(
    () => {
      for (let v = 0; v < vectorsPerRow; v++) f.get("b").op("v128.load", v * VECTOR_BYTES).set(bVector(v));
      for (let r = 0; r < mr; r++) {
        if (form === "rows") f.get(aRow(r)).op("v128.load32_splat", 0);
        else if (form === "packed") f.get("a0").op("v128.load32_splat", r * FLOAT_BYTES);
        else f.get("a0").op("v128.load32_splat", r * form.strideBytes);
        f.set("splat");
        for (let v = 0; v < vectorsPerRow; v++) {
          if (fusedMultiplyAdd) f.get("splat").get(bVector(v)).get(accumulator(r, v)).op("f32x4.relaxed_madd");
          else f.get(accumulator(r, v)).get("splat").get(bVector(v)).op("f32x4.mul").op("f32x4.add");
          f.set(accumulator(r, v));
        }
      }
      if (form === "rows") for (let r = 0; r < mr; r++) f.increment(aRow(r), () => f.i32(FLOAT_BYTES));
      else f.increment("a0", () => f.i32((form === "packed" ? mr : 1) * FLOAT_BYTES));
      f.increment("b", () => f.i32(panelRowBytes));
    },
    () => f.get("b").get("bEnd").op("i32.ne"),
  );
  forEachTileVector(f, tile, (r, v) => f.get("cRow").get(accumulator(r, v)).op("v128.store", v * VECTOR_BYTES));
}

/** Visits the tile's vectors row by row, with the local cRow at the row's address. */
function forEachTileVector(f: FunctionBuilder, { mr, vectorsPerRow }: Tile, visit: (row: number, vector: number) => void): void {
  f.get("c").set("cRow");
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < vectorsPerRow; v++) visit(r, v);
    if (r < mr - 1) f.increment("cRow", () => f.get("ldc"));
  }
}

/** copyTile(src, srcStride, dst, dstStride, rows, cols): rows × cols floats between row-major tiles. */
function copyTile(module: ModuleBuilder): void {
  const f = module.function("copyTile", i32Params("src", "srcStride", "dst", "dstStride", "rows", "cols"));
  f.local("offset", "i32").local("rowBytes", "i32");
  f.get("cols").i32(FLOAT_BYTES).op("i32.mul").set("rowBytes");
  f.doWhile(
    () => {
      f.i32(0).set("offset");
      f.doWhile(
        () => {
          f.get("dst").get("offset").op("i32.add");
          f.get("src").get("offset").op("i32.add").op("f32.load", 0);
          f.op("f32.store", 0);
          f.increment("offset", () => f.i32(FLOAT_BYTES));
        },
        () => f.get("offset").get("rowBytes").op("i32.lt_u"),
      );
      f.increment("src", () => f.get("srcStride"));
      f.increment("dst", () => f.get("dstStride"));
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows"),
  );
}

/** edgeTile(a, aRowStride, aPacked, b, c, ldc, kc, loadC, rows, cols, scratch): the micro-kernel on the scratch tile. */
function edgeTile(module: ModuleBuilder, { panelRowBytes }: Tile, strides: readonly number[]): void {
  const f = module.function("edgeTile", i32Params("a", "aRowStride", "aPacked", "b", "c", "ldc", "kc", "loadC", "rows", "cols", "scratch"));
  f.get("loadC").op("if");
  f.get("c").get("ldc").get("scratch").i32(panelRowBytes).get("rows").get("cols").call("copyTile");
  f.op("end");
  callMicroKernel(f, strides, () => void f.get("a").get("aRowStride").get("b").get("scratch").i32(panelRowBytes).get("kc").get("loadC"));
  f.get("scratch").i32(panelRowBytes).get("c").get("ldc").get("rows").get("cols").call("copyTile");
}

/** The micro-kernel for the local aPacked's form of A (and, in place, the local aRowStride's), on the arguments pushed by `args`. */
function callMicroKernel(f: FunctionBuilder, strides: readonly number[], args: () => void): void {
  f.get("aPacked").op("if");
  args();
  f.call(kernelName("packed"));
  f.op("else");
  for (const strideBytes of strides) {
    f.get("aRowStride").i32(strideBytes).op("i32.eq").op("if");
    args();
    f.call(kernelName({ strideBytes }));
    f.op("else");
  }
  args();
  f.call(kernelName("rows"));
  for (let i = 0; i < strides.length; i++) f.op("end");
  f.op("end");
}

/** gemm: for each KC slice of k, each MC block of rows, each NR panel of B, the tiles of the block. */
function blockedGemm(module: ModuleBuilder, tile: Tile, strides: readonly number[]): void {
  const f = module.function("gemm", i32Params("m", "n", "k", "a", "aPacked", "packedB", "c", "accumulate", "scratch"), [], true);
  for (const local of ["aRowStride", "aKStride", "ldc", "k0", "kc", "loadC", "i1", "blockEnd", "j0", "cols", "panel", "i0", "rows", "aTile", "cTile"]) f.local(local, "i32");
  f.get("n").i32(FLOAT_BYTES).op("i32.mul").set("ldc");
  // rows of A in place are k floats apart, and so are the starts of a packed A's tiles (a panel is MR·k floats)
  f.get("k").i32(FLOAT_BYTES).op("i32.mul").set("aRowStride");
  f.i32(tile.mr * FLOAT_BYTES).i32(FLOAT_BYTES).get("aPacked").op("select").set("aKStride");
  f.i32(0).set("k0");
  f.doWhile(
    () => {
      f.setMinUnsigned("kc", () => f.i32(KC), () => f.get("k").get("k0").op("i32.sub"));
      f.get("accumulate").get("k0").op("i32.or").set("loadC"); // later slices add to what earlier ones stored
      f.i32(0).set("i1");
      f.doWhile(() => rowBlock(f, tile, strides), () => f.get("i1").get("m").op("i32.lt_u"));
      f.increment("k0", () => f.i32(KC));
    },
    () => f.get("k0").get("k").op("i32.lt_u"),
  );
}

function rowBlock(f: FunctionBuilder, tile: Tile, strides: readonly number[]): void {
  const { nr } = tile;
  f.setMinUnsigned("blockEnd", () => f.get("i1").i32(rowsPerBlock(tile)).op("i32.add"), () => f.get("m"));
  f.i32(0).set("j0");
  f.doWhile(
    () => {
      f.setMinUnsigned("cols", () => f.i32(nr), () => f.get("n").get("j0").op("i32.sub"));
      // panel j0/NR is k rows of NR floats, so it starts j0·k floats in; the slice starts at its row k0
      f.get("packedB").get("j0").get("k").op("i32.mul").get("k0").i32(nr).op("i32.mul").op("i32.add").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("panel");
      f.get("i1").set("i0");
      f.doWhile(() => tileCall(f, tile, strides), () => f.get("i0").get("blockEnd").op("i32.lt_u"));
      f.increment("j0", () => f.i32(nr));
    },
    () => f.get("j0").get("n").op("i32.lt_u"),
  );
  f.get("blockEnd").set("i1");
}

function tileCall(f: FunctionBuilder, { mr, nr }: Tile, strides: readonly number[]): void {
  f.setMinUnsigned("rows", () => f.i32(mr), () => f.get("blockEnd").get("i0").op("i32.sub"));
  f.get("a").get("i0").get("aRowStride").op("i32.mul").op("i32.add").get("k0").get("aKStride").op("i32.mul").op("i32.add").set("aTile");
  f.get("c").get("i0").get("n").op("i32.mul").get("j0").op("i32.add").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("cTile");
  const kernelArguments = (): void => void f.get("aTile").get("aRowStride").get("panel").get("cTile").get("ldc").get("kc").get("loadC");
  f.get("rows").i32(mr).op("i32.eq").get("cols").i32(nr).op("i32.eq").op("i32.and").op("if");
  callMicroKernel(f, strides, kernelArguments);
  f.op("else");
  f.get("aTile").get("aRowStride").get("aPacked").get("panel").get("cTile").get("ldc").get("kc").get("loadC").get("rows").get("cols").get("scratch").call("edgeTile");
  f.op("end");
  f.increment("i0", () => f.i32(mr));
}

/** epilogue(c, rows, n, bias, hasBias, relu): C's rows in place, z = C[i, j] (+ bias[j]), then relu when asked. */
function epilogue(module: ModuleBuilder): void {
  const f = module.function("epilogue", i32Params("c", "rows", "n", "bias", "hasBias", "relu"), [], true);
  f.local("column", "i32").local("vectorEnd", "i32").local("rowEnd", "i32").local("zero", "v128").local("v", "v128").local("s", "f32");
  f.op("f32.const", 0).op("f32x4.splat").set("zero");
  f.doWhile(
    () => {
      f.get("bias").set("column");
      f.get("c").get("n").i32(-4).op("i32.and").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("vectorEnd");
      f.get("c").get("n").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("rowEnd");
      f.get("c").get("vectorEnd").op("i32.lt_u").op("if");
      f.doWhile(
        () => {
          f.get("c").op("v128.load", 0).set("v");
          f.get("hasBias").op("if").get("v").get("column").op("v128.load", 0).op("f32x4.add").set("v").op("end");
          f.get("relu").op("if").get("zero").get("v").op("f32x4.pmax").set("v").op("end");
          f.get("c").get("v").op("v128.store", 0);
          f.increment("c", () => f.i32(VECTOR_BYTES));
          f.increment("column", () => f.i32(VECTOR_BYTES));
        },
        () => f.get("c").get("vectorEnd").op("i32.lt_u"),
      );
      f.op("end");
      f.get("c").get("rowEnd").op("i32.lt_u").op("if");
      f.doWhile(
        () => {
          f.get("c").op("f32.load", 0).set("s");
          f.get("hasBias").op("if").get("s").get("column").op("f32.load", 0).op("f32.add").set("s").op("end");
          f.get("relu").op("if").get("s").op("f32.const", 0).get("s").op("f32.const", 0).op("f32.gt").op("select").set("s").op("end");
          f.get("c").get("s").op("f32.store", 0);
          f.increment("c", () => f.i32(FLOAT_BYTES));
          f.increment("column", () => f.i32(FLOAT_BYTES));
        },
        () => f.get("c").get("rowEnd").op("i32.lt_u"),
      );
      f.op("end");
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows").i32(0).op("i32.ne"),
  );
}

/**
 * The module's bytes for one build (by default the tile gemm uses, without relaxed SIMD). Its memory
 * starts at one page; the host grows it. Given `shared`, the memory is a shared one the module imports
 * (env.memory), so that instances on several threads can work on it. `extend` adds functions after
 * gemm's (the recurrent walks, which call it).
 */
export function simdKernelModule(build: KernelBuild = PLAIN_BUILD, shared?: SharedMemoryImport, extend?: (module: ModuleBuilder) => void): Uint8Array {
  const module = new ModuleBuilder(1, shared);
  addGemmFunctions(module, build, shared ? FIXED_ROW_STRIDES : []);
  extend?.(module);
  return module.encode();
}

/** gemm's functions, exported (packB, packA, gemm, epilogue), into a module; functions added after them may call them. */
function addGemmFunctions(module: ModuleBuilder, build: KernelBuild, strides: readonly number[]): void {
  microKernel(module, build, "rows");
  microKernel(module, build, "packed");
  for (const strideBytes of strides) microKernel(module, build, { strideBytes });
  copyTile(module);
  edgeTile(module, build.tile, strides);
  packPanels(module, "packB", build.tile.nr);
  packPanels(module, "packA", build.tile.mr);
  blockedGemm(module, build.tile, strides);
  epilogue(module);
}

export interface SimdKernelExports {
  readonly memory: GrowableMemory;
  packB(b: number, bKStride: number, bJStride: number, n: number, k: number, packed: number): void;
  packA(a: number, aKStride: number, aRowStride: number, m: number, k: number, packed: number): void;
  gemm(m: number, n: number, k: number, a: number, aPacked: number, packedB: number, c: number, accumulate: number, scratch: number): void;
  epilogue(c: number, rows: number, n: number, bias: number, hasBias: number, relu: number): void;
}
