// Wide softmax rows (a language model's vocabulary) call the runtime's softmaxRows (WebAssembly SIMD,
// four lanes at a time, Cephes' expf). Narrow rows keep the inline loops, where a Math.exp per element
// costs less than the call and its copies.

/** The row width from which a softmax hands its rows to softmaxRows. */
export const RUNTIME_SOFTMAX_MIN_WIDTH = 64;

export const usesRuntimeSoftmax = (width: number): boolean => width >= RUNTIME_SOFTMAX_MIN_WIDTH;

/** The call: y[r, :] = softmax(x[r, :] (+ bias)) for `rows` rows of `width`; the bias is added in the kernel, before the maximum. */
export function runtimeSoftmax(x: string, y: string, rows: string, width: number, bias: string | null): string[] {
  if (!bias) return [`softmaxRows(${x}, ${y}, ${rows}, ${width});`];
  return [`// ${y} = softmax(${x} + ${bias}) per row, the bias added in the softmax kernel`, `softmaxRows(${x}, ${y}, ${rows}, ${width}, ${bias});`];
}
