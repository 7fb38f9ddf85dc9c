// σ(x) = 1 / (1 + e^-x) on f32x4 vectors in a function's locals: the instruction sequence shared by
// the sigmoid kernel and the dense training step.
//
// e^-x is computed as Cephes' expf computes e^t: Cody-Waite range reduction -x = k·ln2 + r with
// k = nearest(-x·log2 e) and |r| ≤ ln2/2, ln2 split in two so that r is exact but for one rounding, and
// e^r = 1 + q, q = r + r²·P(r) with P the Cephes minimax polynomial of degree 5. Then
// σ = 1 / (1 + 2^k·(1 + q)) = 2^-k / ((2^-k + 1) + q), 2^-k built from exponent bits: two roundings
// fewer than forming e^-x and then 1 + e^-x. Every float in [-80, 80] comes out within 2 ulps of σ
// in float64 rounded to float32 (within 2.44 ulps of σ in float64), checked exhaustively. Every lane
// goes through the same instructions, so a float's result does not depend on its position.

import type { FunctionBuilder } from "../wasm/wasm-assembler";

// x is clamped to [X_MIN, X_MAX] so that k stays in [-126, 127]. 2^-k is then 2^126 at most, and at
// k = 127 its exponent bits are 0: it is +0, and σ exactly 0 for x ≤ -87.7 (where the true σ is below
// 8.4e-39), so σ(-∞) = 0. At X_MAX, σ is 1 in float32 (as it is from x ≈ 17 on).
// pmax and pmin, not max and min (which V8 has to emulate on x64 for their NaN and ±0 rules): with the
// value as first operand they return a NaN value unchanged, so a NaN input gives a NaN result.
const X_MIN = -88;
const X_MAX = 87;
export const LOG2_E = 1.4426950408889634;
/**
 * ln2 = LN2_HI + LN2_LO. LN2_HI = 355/512 has 9 significant bits, so k·LN2_HI is exact for |k| ≤ 2^15,
 * and so is its difference with -x, the two being within a factor of 2 of each other (Sterbenz).
 */
export const LN2_HI = 0.693359375;
export const LN2_LO = -2.12194440e-4;
/** P(r), highest degree first. */
export const P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
export const EXPONENT_BIAS = 127;
export const MANTISSA_BITS = 23;
/**
 * 1.5·2^23: y + ROUNDER lies in [2^23, 2^24) for |y| < 2^22, where the floats are the integers, so the
 * addition rounds y to the nearest integer k, ties to even (as f32x4.nearest does), and the sum's bits
 * are ROUNDER's plus k. ROUNDER's bits are a multiple of 2^9, so shifted left by the 23 mantissa bits
 * they vanish: (bias ± bits(ROUNDER + k)) << 23 is (bias ± k) << 23, an exponent field 2^±k. k and its
 * power of two then take a few plain instructions, where nearest and trunc_sat took about eight (V8
 * emulates trunc_sat's NaN and saturation rules on x64).
 */
export const ROUNDER = 12582912;

const coefficient = (i: number): string => `sigmoidP${i}`;

const FLOAT_CONSTANTS: readonly (readonly [string, number])[] = [
  ["sigmoidXMin", X_MIN],
  ["sigmoidXMax", X_MAX],
  ["sigmoidMinusLog2e", -LOG2_E],
  ["sigmoidMinusLn2Hi", -LN2_HI],
  ["sigmoidMinusLn2Lo", -LN2_LO],
  ["sigmoidOne", 1],
  ["sigmoidRounder", ROUNDER],
  ...P.map((value, i) => [coefficient(i), value] as const),
];

const BIAS = "sigmoidBias";

// the temporaries of the v-th vector: k holds ROUNDER + k, then k; scale holds 2^-k
const k = (v: number): string => `sigmoidK${v}`;
const r = (v: number): string => `sigmoidR${v}`;
const r2 = (v: number): string => `sigmoidRSquared${v}`;
const q = (v: number): string => `sigmoidQ${v}`;
const scale = (v: number): string => `sigmoidScale${v}`;

/** Declares the constants' locals and the temporaries of up to `vectors` vectors at once. */
export function declareSigmoidLocals(f: FunctionBuilder, vectors: number): void {
  for (const [name] of FLOAT_CONSTANTS) f.local(name, "v128");
  f.local(BIAS, "v128");
  for (let v = 0; v < vectors; v++) for (const local of [k, r, r2, q, scale]) f.local(local(v), "v128");
}

/** Splats the constants into their locals: once per call, before any loop. */
export function splatSigmoidConstants(f: FunctionBuilder): void {
  for (const [name, constant] of FLOAT_CONSTANTS) f.op("f32.const", constant).op("f32x4.splat").set(name);
  f.i32(EXPONENT_BIAS).op("i32x4.splat").set(BIAS);
}

/**
 * σ of the vectors in the locals `values` (x, then x clamped, then σ), left there; the vectors'
 * instructions interleaved step by step. At most as many vectors as declareSigmoidLocals made room for.
 * `fused`: each multiply and add by one relaxed-SIMD f32x4.relaxed_madd (fused where the hardware has
 * FMA: one rounding instead of two, so other bits than the plain sequence's, within the same bounds),
 * for a module built for a host that has it.
 */
export function sigmoidVectors(f: FunctionBuilder, values: readonly string[], fused = false): void {
  const value = (v: number): string => values[v]!;
  const each = (emit: (v: number) => void): void => {
    for (let v = 0; v < values.length; v++) emit(v);
  };
  const [xMin, xMax, minusLog2e, minusLn2Hi, minusLn2Lo, one, rounder] = FLOAT_CONSTANTS.map(([name]) => name) as [string, string, string, string, string, string, string];
  // x·m + a: the operands x and m pushed by `factors`, a by `addend`
  const mulAdd = (factors: () => void, addend: () => void): FunctionBuilder => {
    factors();
    if (fused) return (addend(), f.op("f32x4.relaxed_madd"));
    f.op("f32x4.mul");
    addend();
    return f.op("f32x4.add");
  };
  const locals = (...names: string[]) => () => void names.forEach((name) => f.get(name));
  each((v) => f.get(value(v)).get(xMin).op("f32x4.pmax").get(xMax).op("f32x4.pmin").set(value(v)));
  // k = nearest(-x·log2 e), by way of ROUNDER + k, whose bits make 2^-k: 127 - k in the exponent field
  each((v) => mulAdd(locals(value(v), minusLog2e), locals(rounder)).set(k(v)));
  each((v) => f.get(BIAS).get(k(v)).op("i32x4.sub").i32(MANTISSA_BITS).op("i32x4.shl").set(scale(v)));
  each((v) => f.get(k(v)).get(rounder).op("f32x4.sub").set(k(v)));
  each((v) => mulAdd(locals(k(v), minusLn2Lo), () => f.get(k(v)).get(minusLn2Hi).op("f32x4.mul").get(value(v)).op("f32x4.sub")).set(r(v)));
  // P(r) = r⁴·(p0·r + p1) + r²·(p2·r + p3) + (p4·r + p5), Estrin's scheme: a shorter chain than Horner's
  each((v) => f.get(r(v)).get(r(v)).op("f32x4.mul").set(r2(v)));
  each((v) => mulAdd(locals(r(v), coefficient(2)), locals(coefficient(3))).set(q(v)));
  each((v) => mulAdd(locals(q(v), r2(v)), () => mulAdd(locals(r(v), coefficient(4)), locals(coefficient(5)))).set(q(v)));
  each((v) => mulAdd(() => mulAdd(locals(r(v), coefficient(0)), locals(coefficient(1))).get(r2(v)).get(r2(v)).op("f32x4.mul"), locals(q(v))).set(q(v)));
  each((v) => mulAdd(locals(q(v), r2(v)), locals(r(v))).set(q(v)));
  each((v) => f.get(scale(v)).get(scale(v)).get(one).op("f32x4.add").get(q(v)).op("f32x4.add").op("f32x4.div").set(value(v)));
}
