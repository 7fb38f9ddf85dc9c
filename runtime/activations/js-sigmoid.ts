// The logistic sigmoid in plain JavaScript, for hosts without WebAssembly SIMD: σ in float64 (Math.exp),
// rounded to float32 once, when stored.

/** values[i] = σ(values[i]) for i < count; see sigmoid.ts. */
export type SigmoidInPlace = (values: Float32Array, count: number) => void;

export const jsSigmoidInPlace: SigmoidInPlace = (values, count) => {
  for (let i = 0; i < count; i++) values[i] = 1 / (1 + Math.exp(-values[i]!));
};
