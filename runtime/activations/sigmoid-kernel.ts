// The WebAssembly SIMD module behind sigmoidInPlace: one function,
//
//   sigmoid(at, floats)    σ(x) = 1 / (1 + e^-x) in place on `floats` floats from byte address at, a step
//                          of STEP_FLOATS at a time (floats: a positive multiple of STEP_FLOATS)
//
// e^-x is computed as Cephes' expf computes e^t: Cody-Waite range reduction -x = k·ln2 + r with
// k = nearest(-x·log2 e) and |r| ≤ ln2/2, ln2 split in two so that r is exact but for one rounding, and
// e^r = 1 + q, q = r + r²·P(r) with P the Cephes minimax polynomial of degree 5. Then
// σ = 1 / (1 + 2^k·(1 + q)) = 2^-k / ((2^-k + 1) + q), 2^-k built from exponent bits: two roundings
// fewer than forming e^-x and then 1 + e^-x. Every float in [-80, 80] comes out within 2 ulps of σ
// in float64 rounded to float32 (within 2.44 ulps of σ in float64), checked exhaustively. Every lane
// goes through the same instructions, so a float's result does not depend on its position.

import { i32Params, ModuleBuilder, type FunctionBuilder } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;
/** Two vectors per loop iteration: two independent chains of dependent instructions keep more of the CPU busy. */
const VECTORS_PER_STEP = 2;
const STEP_BYTES = VECTORS_PER_STEP * VECTOR_BYTES;
export const STEP_FLOATS = STEP_BYTES / FLOAT_BYTES;

// x is clamped to [X_MIN, X_MAX] so that k stays in [-126, 127]. 2^-k is then 2^126 at most, and at
// k = 127 its exponent bits are 0: it is +0, and σ exactly 0 for x ≤ -87.7 (where the true σ is below
// 8.4e-39), so σ(-∞) = 0. At X_MAX, σ is 1 in float32 (as it is from x ≈ 17 on).
// pmax and pmin, not max and min (which V8 has to emulate on x64 for their NaN and ±0 rules): with the
// value as first operand they return a NaN value unchanged, so a NaN input gives a NaN result.
const X_MIN = -88;
const X_MAX = 87;
const LOG2_E = 1.4426950408889634;
/**
 * ln2 = LN2_HI + LN2_LO. LN2_HI = 355/512 has 9 significant bits, so k·LN2_HI is exact for |k| ≤ 2^15,
 * and so is its difference with -x, the two being within a factor of 2 of each other (Sterbenz).
 */
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
/** P(r), highest degree first. */
const P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
const EXPONENT_BIAS = 127;
const MANTISSA_BITS = 23;

const coefficient = (i: number): string => `p${i}`;

const FLOAT_CONSTANTS: readonly (readonly [string, number])[] = [
  ["xMin", X_MIN],
  ["xMax", X_MAX],
  ["minusLog2e", -LOG2_E],
  ["minusLn2Hi", -LN2_HI],
  ["minusLn2Lo", -LN2_LO],
  ["one", 1],
  ...P.map((value, i) => [coefficient(i), value] as const),
];

// the locals of vector v: value holds x, then x clamped, then σ; scale holds 2^-k
const value = (v: number): string => `value${v}`;
const k = (v: number): string => `k${v}`;
const r = (v: number): string => `r${v}`;
const r2 = (v: number): string => `rSquared${v}`;
const q = (v: number): string => `q${v}`;
const scale = (v: number): string => `scale${v}`;

/** σ of the vectors in the locals value(0 … vectors - 1), left there; the vectors' instructions interleaved step by step. */
function sigmoidVectors(f: FunctionBuilder, vectors: number): void {
  const each = (emit: (v: number) => void): void => {
    for (let v = 0; v < vectors; v++) emit(v);
  };
  const mulAdd = (x: string, m: string, a: string): FunctionBuilder => f.get(x).get(m).op("f32x4.mul").get(a).op("f32x4.add");
  each((v) => f.get(value(v)).get("xMin").op("f32x4.pmax").get("xMax").op("f32x4.pmin").set(value(v)));
  each((v) => f.get(value(v)).get("minusLog2e").op("f32x4.mul").op("f32x4.nearest").set(k(v)));
  each((v) => f.get(k(v)).get("minusLn2Hi").op("f32x4.mul").get(value(v)).op("f32x4.sub").get(k(v)).get("minusLn2Lo").op("f32x4.mul").op("f32x4.add").set(r(v)));
  // P(r) = r⁴·(p0·r + p1) + r²·(p2·r + p3) + (p4·r + p5), Estrin's scheme: a shorter chain than Horner's
  each((v) => f.get(r(v)).get(r(v)).op("f32x4.mul").set(r2(v)));
  each((v) => mulAdd(r(v), coefficient(2), coefficient(3)).set(q(v)));
  each((v) => mulAdd(r(v), coefficient(4), coefficient(5)).get(q(v)).get(r2(v)).op("f32x4.mul").op("f32x4.add").set(q(v)));
  each((v) => mulAdd(r(v), coefficient(0), coefficient(1)).get(r2(v)).get(r2(v)).op("f32x4.mul").op("f32x4.mul").get(q(v)).op("f32x4.add").set(q(v)));
  each((v) => f.get(q(v)).get(r2(v)).op("f32x4.mul").get(r(v)).op("f32x4.add").set(q(v)));
  // 2^-k: 127 - k in the exponent field; k is an integer already, so truncating it is exact
  each((v) => f.get("bias").get(k(v)).op("i32x4.trunc_sat_f32x4_s").op("i32x4.sub").i32(MANTISSA_BITS).op("i32x4.shl").set(scale(v)));
  each((v) => f.get(scale(v)).get(scale(v)).get("one").op("f32x4.add").get(q(v)).op("f32x4.add").op("f32x4.div").set(value(v)));
}

function sigmoidFunction(module: ModuleBuilder): void {
  const f = module.function("sigmoid", i32Params("at", "floats"), [], true);
  f.local("end", "i32");
  for (const [name] of FLOAT_CONSTANTS) f.local(name, "v128");
  f.local("bias", "v128");
  for (let v = 0; v < VECTORS_PER_STEP; v++) for (const local of [value, k, r, r2, q, scale]) f.local(local(v), "v128");
  // the constants are splatted once, before the loop, not in every iteration
  for (const [name, constant] of FLOAT_CONSTANTS) f.op("f32.const", constant).op("f32x4.splat").set(name);
  f.i32(EXPONENT_BIAS).op("i32x4.splat").set("bias");
  f.get("at").get("floats").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("end");
  f.doWhile(
    () => {
      for (let v = 0; v < VECTORS_PER_STEP; v++) f.get("at").op("v128.load", v * VECTOR_BYTES).set(value(v));
      sigmoidVectors(f, VECTORS_PER_STEP);
      for (let v = 0; v < VECTORS_PER_STEP; v++) f.get("at").get(value(v)).op("v128.store", v * VECTOR_BYTES);
      f.increment("at", () => f.i32(STEP_BYTES));
    },
    () => f.get("at").get("end").op("i32.lt_u"),
  );
}

/** The module's bytes. Its memory starts at one page; the host grows it. */
export function sigmoidKernelModule(): Uint8Array {
  const module = new ModuleBuilder(1);
  sigmoidFunction(module);
  return module.encode();
}

export interface SigmoidKernelExports {
  readonly memory: GrowableMemory;
  sigmoid(at: number, floats: number): void;
}
