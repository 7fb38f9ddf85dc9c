// The logistic sigmoid σ(x) = 1 / (1 + e^-x), in place, for the activations of dense layers:
// WebAssembly SIMD where the host has it, plain JavaScript otherwise. Both are deterministic: the same
// input gives a bit-identical output. Both are within 2 float32 ulps of σ computed in float64 on
// [-80, 80] (the JS one within half an ulp; the two round differently, so they agree only to within
// that), within 1e-30 of it beyond, and both give σ(±0) = 0.5, σ(+∞) = 1, σ(-∞) = 0 and NaN for NaN.

import { jsSigmoidInPlace, type SigmoidInPlace } from "./js-sigmoid";
import { SimdSigmoid } from "./simd-sigmoid";

let chosen: SigmoidInPlace | undefined;

/** values[i] = σ(values[i]) for i < count; the floats from count on are left as they are. */
export function sigmoidInPlace(values: Float32Array, count: number): void {
  checkArguments(values, count);
  chosen ??= SimdSigmoid.create()?.sigmoidInPlace ?? jsSigmoidInPlace;
  chosen(values, count);
}

function checkArguments(values: Float32Array, count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`sigmoidInPlace: count must be a non-negative integer, got ${count}`);
  if (values.length < count) throw new RangeError(`sigmoidInPlace: values holds ${values.length} floats, needs ${count}`);
}
