// Whether every gradient is finite, in JavaScript (the SIMD optimiser asks its module instead): x·0 is
// ±0 for a finite x and NaN for an infinity or NaN, and a NaN in the running sum stays there. One
// multiply and one add a float, about twice as fast in V8 as summing the values in four chains.

export function allFinite(a: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * 0;
  return sum === 0;
}
