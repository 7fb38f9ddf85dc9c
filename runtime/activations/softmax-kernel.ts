// The WebAssembly SIMD module behind softmaxRows: one function,
//
//   softmax(at, rows, rowFloats, biasAt)   each of `rows` consecutive rows of rowFloats floats (a
//                                          positive multiple of 4) from byte address at, in place:
//                                          x += bias (the row of rowFloats floats at byte address
//                                          biasAt; none where biasAt is -1), then
//                                          y = e^(x − max) / Σ e^(x − max), max and Σ over the row
//
// Three passes over a row, a vector at a time: its maximum (the bias added and stored first, when
// there is one); e^(x − max), stored, and summed in
// float64 (each vector's two halves promoted, so a row of thousands loses nothing to the sum); then
// each e times 1 / Σ. e^d, d = x − max ≤ 0, is Cephes' expf as the sigmoid computes it
// (sigmoid-vectors.ts): d = k·ln2 + r with k = nearest(d·log2 e), e^r = 1 + q, q = r + r²·P(r), and
// e^d = 2^k·(1 + q) with 2^k from exponent bits. d is clamped to [-88, 0], so k ≥ -127; at -127 the
// exponent bits are 0 and e^d is exactly 0 (the true value is below 8.4e-39). A NaN stays NaN.

import { i32Params, ModuleBuilder, type FunctionBuilder, type SharedMemoryImport } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";
import { EXPONENT_BIAS, LN2_HI, LN2_LO, LOG2_E, MANTISSA_BITS, P, ROUNDER } from "./sigmoid-vectors";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;
export const ROW_FLOAT_MULTIPLE = VECTOR_BYTES / FLOAT_BYTES;

const D_MIN = -88;

const coefficient = (i: number): string => `p${i}`;

const FLOAT_CONSTANTS: readonly (readonly [string, number])[] = [
  ["dMin", D_MIN],
  ["log2e", LOG2_E],
  ["minusLn2Hi", -LN2_HI],
  ["minusLn2Lo", -LN2_LO],
  ["rounder", ROUNDER],
  ...P.map((value, i) => [coefficient(i), value] as const),
];

/** The high two floats of a vector moved to the low two (the high ones are then unused). */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/** Runs `body` on each vector of the row, the local `p` at its address. */
function eachVector(f: FunctionBuilder, body: () => void): void {
  f.get("at").set("p");
  f.doWhile(
    () => {
      body();
      f.increment("p", () => f.i32(VECTOR_BYTES));
    },
    () => f.get("p").get("rowEnd").op("i32.ne"),
  );
}

/** max = the row's largest float, splatted; with a bias (biasAt not -1), each float x + bias first, stored. */
function rowMaximum(f: FunctionBuilder): void {
  f.op("f32.const", -Infinity).op("f32x4.splat").set("max");
  // pmax(max, x) keeps max when x is NaN: a NaN reaches the output through its own e^(x − max)
  f.get("biasAt").i32(-1).op("i32.ne").op("if");
  f.get("biasAt").set("b");
  eachVector(f, () => {
    f.get("p").get("p").op("v128.load", 0).get("b").op("v128.load", 0).op("f32x4.add").tee("d").op("v128.store", 0);
    f.get("max").get("d").op("f32x4.pmax").set("max");
    f.increment("b", () => f.i32(VECTOR_BYTES));
  });
  f.op("else");
  eachVector(f, () => f.get("max").get("p").op("v128.load", 0).op("f32x4.pmax").set("max"));
  f.op("end");
  for (let lane = 0; lane < 4; lane++) f.get("max").op("f32x4.extract_lane", lane);
  f.op("f32.max").op("f32.max").op("f32.max").op("f32x4.splat").set("max");
}

/** e = e^d of the vector in local d (clamped there first). */
function expVector(f: FunctionBuilder): void {
  const mulAdd = (x: string, m: string, a: string): FunctionBuilder => f.get(x).get(m).op("f32x4.mul").get(a).op("f32x4.add");
  f.get("d").get("dMin").op("f32x4.pmax").set("d");
  // k = nearest(d·log2 e) by way of ROUNDER + k (sigmoid-vectors.ts), whose bits make 2^k: k + 127 in the exponent field
  f.get("d").get("log2e").op("f32x4.mul").get("rounder").op("f32x4.add").set("k");
  f.get("k").get("bias").op("i32x4.add").i32(MANTISSA_BITS).op("i32x4.shl").set("scale");
  f.get("k").get("rounder").op("f32x4.sub").set("k");
  f.get("k").get("minusLn2Hi").op("f32x4.mul").get("d").op("f32x4.add").get("k").get("minusLn2Lo").op("f32x4.mul").op("f32x4.add").set("r");
  // P(r) = r⁴·(p0·r + p1) + r²·(p2·r + p3) + (p4·r + p5), Estrin's scheme
  f.get("r").get("r").op("f32x4.mul").set("r2");
  mulAdd("r", coefficient(2), coefficient(3)).set("q");
  mulAdd("r", coefficient(4), coefficient(5)).get("q").get("r2").op("f32x4.mul").op("f32x4.add").set("q");
  mulAdd("r", coefficient(0), coefficient(1)).get("r2").get("r2").op("f32x4.mul").op("f32x4.mul").get("q").op("f32x4.add").set("q");
  f.get("q").get("r2").op("f32x4.mul").get("r").op("f32x4.add").set("q");
  f.get("scale").get("q").op("f32x4.mul").get("scale").op("f32x4.add").set("e");
}

/** Each float replaced by e^(x − max), summed into sumLow (floats 0, 1 of each vector) and sumHigh (2, 3). */
function exponentials(f: FunctionBuilder): void {
  f.op("v128.const", new Array(16).fill(0)).tee("sumLow").set("sumHigh");
  eachVector(f, () => {
    f.get("p").op("v128.load", 0).get("max").op("f32x4.sub").set("d");
    expVector(f);
    f.get("p").get("e").op("v128.store", 0);
    f.get("sumLow").get("e").op("f64x2.promote_low_f32x4").op("f64x2.add").set("sumLow");
    f.get("sumHigh").get("e").get("e").op("i8x16.shuffle", HIGH_HALF).op("f64x2.promote_low_f32x4").op("f64x2.add").set("sumHigh");
  });
}

/** Each e times 1 / Σ, the sum's lanes added in float64 and its reciprocal rounded to float32. */
function normalise(f: FunctionBuilder): void {
  f.get("sumLow").get("sumHigh").op("f64x2.add").set("sumLow");
  f.op("f32.const", 1);
  f.get("sumLow").op("f64x2.extract_lane", 0).get("sumLow").op("f64x2.extract_lane", 1).op("f64.add").op("f32.demote_f64");
  f.op("f32.div").op("f32x4.splat").set("inverse");
  eachVector(f, () => f.get("p").get("p").op("v128.load", 0).get("inverse").op("f32x4.mul").op("v128.store", 0));
}

export function softmaxFunction(module: ModuleBuilder): void {
  const f = module.function("softmax", i32Params("at", "rows", "rowFloats", "biasAt"), [], true);
  f.local("rowBytes", "i32").local("rowEnd", "i32").local("p", "i32").local("b", "i32");
  for (const local of ["max", "d", "k", "r", "r2", "q", "scale", "e", "sumLow", "sumHigh", "inverse", "bias"]) f.local(local, "v128");
  for (const [name] of FLOAT_CONSTANTS) f.local(name, "v128");
  for (const [name, constant] of FLOAT_CONSTANTS) f.op("f32.const", constant).op("f32x4.splat").set(name);
  f.i32(EXPONENT_BIAS).op("i32x4.splat").set("bias");
  f.get("rowFloats").i32(FLOAT_BYTES).op("i32.mul").set("rowBytes");
  f.doWhile(
    () => {
      f.get("at").get("rowBytes").op("i32.add").set("rowEnd");
      rowMaximum(f);
      exponentials(f);
      normalise(f);
      f.get("rowEnd").set("at");
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows"),
  );
}

/** The module's bytes. Its memory starts at one page; the host grows it. Given `shared`, it imports a shared memory instead (env.memory: gemm's). */
export function softmaxKernelModule(shared?: SharedMemoryImport): Uint8Array {
  const module = new ModuleBuilder(1, shared);
  softmaxFunction(module);
  return module.encode();
}

export interface SoftmaxKernelExports {
  readonly memory: GrowableMemory;
  /** biasAt: the byte address of the bias row, or -1 for none. */
  softmax(at: number, rows: number, rowFloats: number, biasAt: number): void;
}
