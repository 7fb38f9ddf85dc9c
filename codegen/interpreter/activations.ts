// The element-wise functions (and softmax) shared by the unary ops and the recurrent cells, with
// their vector-Jacobian products. Each works on a run of numbers; softmax normalises each
// consecutive group of `width` of them (the last axis).

export type FunctionName = "linear" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "softmax" | "step" | "exp" | "log";

/** Keras' leaky_relu default negative slope. */
export const DEFAULT_ALPHA = 0.2;

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** y = f(z), element-wise (softmax: per group of `width`). */
export function activate(name: FunctionName, z: Float64Array, y: Float64Array, width: number, alpha = DEFAULT_ALPHA): void {
  const n = z.length;
  switch (name) {
    case "linear":
      y.set(z);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) y[i] = sigmoid(z[i]!);
      return;
    case "tanh":
      for (let i = 0; i < n; i++) y[i] = Math.tanh(z[i]!);
      return;
    case "relu":
      for (let i = 0; i < n; i++) y[i] = z[i]! > 0 ? z[i]! : 0;
      return;
    case "leakyRelu":
      for (let i = 0; i < n; i++) y[i] = z[i]! >= 0 ? z[i]! : alpha * z[i]!;
      return;
    case "step":
      for (let i = 0; i < n; i++) y[i] = z[i]! > 0 ? 1 : 0;
      return;
    case "exp":
      for (let i = 0; i < n; i++) y[i] = Math.exp(z[i]!);
      return;
    case "log":
      for (let i = 0; i < n; i++) y[i] = Math.log(z[i]!);
      return;
    case "softmax":
      for (let start = 0; start < n; start += width) {
        let max = -Infinity;
        for (let i = start; i < start + width; i++) max = Math.max(max, z[i]!);
        let total = 0;
        for (let i = start; i < start + width; i++) total += y[i] = Math.exp(z[i]! - max);
        for (let i = start; i < start + width; i++) y[i]! /= total;
      }
      return;
  }
}

/**
 * dz += (dy/dz)ᵀ dy for y = f(z). relu's derivative is 0 at z <= 0 and leakyRelu's is alpha there
 * (as TensorFlow's ReluGrad and LeakyReluGrad). step has no gradient: callers check first.
 */
export function activationBackward(
  name: FunctionName,
  z: Float64Array,
  y: Float64Array,
  dy: Float64Array,
  dz: Float64Array,
  width: number,
  alpha = DEFAULT_ALPHA,
): void {
  const n = z.length;
  switch (name) {
    case "linear":
      for (let i = 0; i < n; i++) dz[i]! += dy[i]!;
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) dz[i]! += dy[i]! * y[i]! * (1 - y[i]!);
      return;
    case "tanh":
      for (let i = 0; i < n; i++) dz[i]! += dy[i]! * (1 - y[i]! * y[i]!);
      return;
    case "relu":
      for (let i = 0; i < n; i++) if (z[i]! > 0) dz[i]! += dy[i]!;
      return;
    case "leakyRelu":
      for (let i = 0; i < n; i++) dz[i]! += z[i]! > 0 ? dy[i]! : alpha * dy[i]!;
      return;
    case "exp":
      for (let i = 0; i < n; i++) dz[i]! += dy[i]! * y[i]!;
      return;
    case "log":
      for (let i = 0; i < n; i++) dz[i]! += dy[i]! / z[i]!;
      return;
    case "softmax":
      for (let start = 0; start < n; start += width) {
        let dot = 0;
        for (let i = start; i < start + width; i++) dot += dy[i]! * y[i]!;
        for (let i = start; i < start + width; i++) dz[i]! += y[i]! * (dy[i]! - dot);
      }
      return;
    case "step":
      throw new Error("step: has no gradient");
  }
}
