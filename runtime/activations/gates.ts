// The gate functions of an LSTM step over the whole step's block of pre-activations at once, for the
// generated kernels: WebAssembly SIMD where the host has it, plain JavaScript otherwise. σ within 2
// float32 ulps of σ in float64 (sigmoid.ts), tanh within 7 of tanh (tanh-vectors.ts; the JavaScript
// one is rationalTanh, within 3).

import { jsLstmGates, type LstmGates } from "./js-gates";
import { SimdGates } from "./simd-gates";

let chosen: LstmGates | undefined;

/**
 * In place on `rows` rows of 4·units floats from offset (a time step's slice of an LSTM's gates tape),
 * Keras' gate order i, f, c, o: i, f, o = σ(·), c = tanh(·).
 */
export function lstmGates(values: Float32Array, offset: number, rows: number, units: number): void {
  checkArguments(values, offset, rows, units);
  chosen ??= SimdGates.create()?.lstmGates ?? jsLstmGates;
  chosen(values, offset, rows, units);
}

function checkArguments(values: Float32Array, offset: number, rows: number, units: number): void {
  for (const [name, n] of [["offset", offset], ["rows", rows]] as const) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`lstmGates: ${name} must be a non-negative integer, got ${n}`);
  }
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`lstmGates: units must be a positive integer, got ${units}`);
  if (values.length < offset + rows * 4 * units) throw new RangeError(`lstmGates: values holds ${values.length} floats, needs ${offset + rows * 4 * units}`);
}
