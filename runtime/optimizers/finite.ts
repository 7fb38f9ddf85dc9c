// Whether every gradient is finite, in JavaScript (the SIMD optimiser asks its module instead): x·0 is
// ±0 for a finite x and NaN for an infinity or NaN, and a NaN in a running sum stays there. Four
// running sums, so that the adds do not wait on one another (V8 does not vectorise).

export function allFinite(a: Float32Array): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i]! * 0;
    s1 += a[i + 1]! * 0;
    s2 += a[i + 2]! * 0;
    s3 += a[i + 3]! * 0;
  }
  for (; i < n; i++) s0 += a[i]! * 0;
  return s0 + s1 + s2 + s3 === 0;
}
