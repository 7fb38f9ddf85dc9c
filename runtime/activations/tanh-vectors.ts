// tanh on f32x4 vectors in a function's locals: rationalTanh's odd 13/6 rational (Eigen's float tanh)
// evaluated in float32, x clamped to [-9, 9] first (tanh(9) is within an ulp of 1 in float32). Within
// 7 float32 ulps of tanh on [-12, 12] (checked on a grid of 4 million points), exactly odd, ±0 for ±0,
// and NaN for NaN (pmax and pmin with the value as first operand return a NaN value unchanged). Where
// rationalTanh returns x itself for |x| < 0.0004, this gives x·(1 + O(1e-7)): within an ulp of it.

import type { FunctionBuilder } from "../wasm/wasm-assembler";

const CLAMP = 9;
/** The numerator's coefficients after x's, x² highest first: x·(a13·x¹² + … + a1). */
export const NUMERATOR = [-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8, 1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3];
/** The denominator's, x² highest first: b6·x⁶ + … + b0. */
export const DENOMINATOR = [1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3];

const FLOAT_CONSTANTS: readonly (readonly [string, number])[] = [
  ["tanhMin", -CLAMP],
  ["tanhMax", CLAMP],
  ...NUMERATOR.map((value, i) => [`tanhP${i}`, value] as const),
  ...DENOMINATOR.map((value, i) => [`tanhQ${i}`, value] as const),
];

const x2 = (v: number): string => `tanhX2${v}`;
const p = (v: number): string => `tanhP${v}Acc`;
const q = (v: number): string => `tanhQ${v}Acc`;

/** Declares the constants' locals and the temporaries of up to `vectors` vectors at once. */
export function declareTanhLocals(f: FunctionBuilder, vectors: number): void {
  for (const [name] of FLOAT_CONSTANTS) f.local(name, "v128");
  for (let v = 0; v < vectors; v++) for (const local of [x2, p, q]) f.local(local(v), "v128");
}

/** Splats the constants into their locals: once per call, before any loop. */
export function splatTanhConstants(f: FunctionBuilder): void {
  for (const [name, constant] of FLOAT_CONSTANTS) f.op("f32.const", constant).op("f32x4.splat").set(name);
}

/**
 * tanh of the vectors in the locals `values`, left there; the vectors' instructions interleaved step by
 * step. `fused`: each Horner step by one f32x4.relaxed_madd (sigmoid-vectors.ts).
 */
export function tanhVectors(f: FunctionBuilder, values: readonly string[], fused = false): void {
  const each = (emit: (v: number) => void): void => {
    for (let v = 0; v < values.length; v++) emit(v);
  };
  // acc = acc·x² + c, Horner's scheme in x²
  const horner = (acc: string, v: number, coefficient: string): FunctionBuilder =>
    (fused ? f.get(acc).get(x2(v)).get(coefficient).op("f32x4.relaxed_madd") : f.get(acc).get(x2(v)).op("f32x4.mul").get(coefficient).op("f32x4.add")).set(acc);
  each((v) => f.get(values[v]!).get("tanhMin").op("f32x4.pmax").get("tanhMax").op("f32x4.pmin").set(values[v]!));
  each((v) => f.get(values[v]!).get(values[v]!).op("f32x4.mul").set(x2(v)));
  each((v) => f.get("tanhP0").set(p(v)).get("tanhQ0").set(q(v)));
  for (let i = 1; i < Math.max(NUMERATOR.length, DENOMINATOR.length); i++) {
    if (i < NUMERATOR.length) each((v) => horner(p(v), v, `tanhP${i}`));
    if (i < DENOMINATOR.length) each((v) => horner(q(v), v, `tanhQ${i}`));
  }
  each((v) => f.get(values[v]!).get(p(v)).op("f32x4.mul").get(q(v)).op("f32x4.div").set(values[v]!));
}
