// tanh for the generated kernels: Math.tanh is a call into V8's C library (about 20 ns), this an odd
// rational minimax approximation of degrees 13/6 (Eigen's float tanh, also TensorFlow's and ONNX
// Runtime's), a dozen multiply-adds and one division that V8 inlines into the calling loop. Within 3
// float32 ulps of tanh once rounded to float32 (what every kernel stores), exactly odd, x itself
// where |x| < 0.0004 (there tanh(x) rounds to x), ±1 from 9.1 on, NaN for NaN. Evaluated in float64
// up to 9.1 rather than Eigen's 7.905: tanh(x) rounds to ±1 in float32 only from about 9.01.

/** From here on, ±1 (tanh(x) rounds to ±1 in float32 from about 9.01). */
const SATURATION = 9.1;
/** Below this, tanh(x) = x - x³/3 rounds to x in float32. */
const LINEAR = 0.0004;

/** tanh(x) to float32 accuracy; see above. */
export function rationalTanh(x: number): number {
  const magnitude = Math.abs(x);
  if (magnitude < LINEAR) return x;
  if (!(magnitude < SATURATION)) return x > 0 ? 1 : x < 0 ? -1 : x; // NaN stays NaN
  const x2 = x * x;
  let p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
  p = x2 * p + -8.60467152213735e-11;
  p = x2 * p + 5.12229709037114e-8;
  p = x2 * p + 1.48572235717979e-5;
  p = x2 * p + 6.37261928875436e-4;
  p = x2 * p + 4.89352455891786e-3;
  let q = x2 * 1.19825839466702e-6 + 1.18534705686654e-4;
  q = x2 * q + 2.2684346324390e-3;
  q = x2 * q + 4.89352518554385e-3;
  return (x * p) / q;
}
