// The gate functions of an LSTM or GRU step over the whole step's block of pre-activations at once,
// for the generated kernels: WebAssembly SIMD where the host has it, plain JavaScript otherwise. σ
// within 2 float32 ulps of σ in float64 (sigmoid.ts), tanh within 7 of tanh (tanh-vectors.ts; the
// JavaScript one is rationalTanh, within 3).

import { jsGruGates, jsLstmGates, type GruGates, type LstmGates } from "./js-gates";
import { SimdGates } from "./simd-gates";

let chosen: { lstmGates: LstmGates; gruGates: GruGates } | undefined;

function gates(): { lstmGates: LstmGates; gruGates: GruGates } {
  return (chosen ??= SimdGates.create() ?? { lstmGates: jsLstmGates, gruGates: jsGruGates });
}

/**
 * In place on `rows` rows of 4·units floats from offset (a time step's slice of an LSTM's gates tape),
 * Keras' gate order i, f, c, o: i, f, o = σ(·), c = tanh(·).
 */
export function lstmGates(values: Float32Array, offset: number, rows: number, units: number): void {
  checkArguments("lstmGates", values, offset, rows, units, 4);
  gates().lstmGates(values, offset, rows, units);
}

/**
 * In place on `rows` rows of 3·units floats from offset (a time step's slice of a GRU's gates tape),
 * Keras' gate order z, r, h: z, r = σ(·); the h columns are left as they are.
 */
export function gruGates(values: Float32Array, offset: number, rows: number, units: number): void {
  checkArguments("gruGates", values, offset, rows, units, 3);
  gates().gruGates(values, offset, rows, units);
}

function checkArguments(name: string, values: Float32Array, offset: number, rows: number, units: number, gateCount: number): void {
  for (const [what, n] of [["offset", offset], ["rows", rows]] as const) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name}: ${what} must be a non-negative integer, got ${n}`);
  }
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`${name}: units must be a positive integer, got ${units}`);
  const needed = offset + rows * gateCount * units;
  if (values.length < needed) throw new RangeError(`${name}: values holds ${values.length} floats, needs ${needed}`);
}
