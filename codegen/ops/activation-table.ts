// One table of the element-wise functions (and softmax, over the last axis): the expression the
// kernels inline, its derivative with the formula it applies, defaults such as leakyRelu's alpha, and
// the float64 reference forms the interpreter runs. Activation ops, dense layers' fused stores and
// the recurrent cells all read it.

import { runtimeSoftmax, usesRuntimeSoftmax } from "../kernels/runtime-softmax";

export type FunctionName = "linear" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "softmax" | "step" | "exp" | "log";

/** Keras' leaky_relu default negative slope. */
export const DEFAULT_ALPHA = 0.2;

interface ReferenceForms {
  /** y = f(z) over a run of numbers (softmax: per group of `width`). */
  forward(z: Float64Array, y: Float64Array, width: number, alpha: number): void;
  /** dz += (dy/dz)ᵀ dy. */
  backward(z: Float64Array, y: Float64Array, dy: Float64Array, dz: Float64Array, width: number, alpha: number): void;
}

/** A function applied to each element on its own. */
export interface ElementwiseActivation extends ReferenceForms {
  readonly kind: "elementwise";
  readonly name: FunctionName;
  /** f(z) as an expression of the plain identifier z. */
  expression(z: string, alpha: number): string;
  /** dy/dz as an expression of the output y (and of z where y does not determine it); null: no gradient. */
  derivative: ((y: string, z: string, alpha: number) => string) | null;
  /** The derivative as maths, for the comments of generated code. */
  readonly derivativeText: string;
  /** Whether `derivative` reads z (so z must be kept). */
  needsInput(alpha: number): boolean;
}

/** softmax: each last-axis vector at once. */
export interface RowwiseActivation extends ReferenceForms {
  readonly kind: "rowwise";
  readonly name: FunctionName;
  /** Whether forwardRows adds a bias row itself at this width (a dense layer then leaves it to it). */
  foldsBias(width: number): boolean;
  /** y[row, :] = f(x[row, :] (+ bias, where foldsBias)) for each row. */
  forwardRows(x: string, y: string, rows: string, width: number, bias?: string | null): string[];
  /** dz[row, :] (op) y ⊙ (dy − (dy · y)) for each row; `dy(i)` reads the upstream gradient at index i. */
  backwardRows(dy: (i: string) => string, y: string, dz: string, op: string, rows: string, width: number): string[];
  readonly derivativeText: string;
}

export type ActivationEntry = ElementwiseActivation | RowwiseActivation;

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** An element-wise entry from scalar reference functions. */
function elementwise(
  name: FunctionName,
  forms: Omit<ElementwiseActivation, "kind" | "name" | "forward" | "backward" | "needsInput"> & {
    needsInput?: (alpha: number) => boolean;
    f(z: number, alpha: number): number;
    /** dy/dz from z and y; null where there is no gradient. */
    df: ((z: number, y: number, alpha: number) => number) | null;
  },
): ElementwiseActivation {
  const { f, df, needsInput = () => false, ...rest } = forms;
  return {
    kind: "elementwise",
    name,
    ...rest,
    needsInput,
    forward(z, y, _width, alpha) {
      for (let i = 0; i < z.length; i++) y[i] = f(z[i]!, alpha);
    },
    backward(z, y, dy, dz, _width, alpha) {
      if (!df) throw new Error(`${name}: has no gradient`);
      for (let i = 0; i < z.length; i++) dz[i]! += dy[i]! * df(z[i]!, y[i]!, alpha);
    },
  };
}

const softmax: RowwiseActivation = {
  kind: "rowwise",
  name: "softmax",
  derivativeText: "dz = y ⊙ (dy − Σ dy ⊙ y), per row",
  foldsBias: usesRuntimeSoftmax,
  forwardRows: (x, y, rows, width, bias = null) => {
    if (usesRuntimeSoftmax(width)) return runtimeSoftmax(x, y, rows, width, bias);
    if (bias) throw new Error(`softmax: rows of ${width} cannot take a bias`);
    return [
          `for (let r = 0; r < ${rows}; r++) {`,
          `const o = r * ${width};`,
          `let max = ${x}[o];`,
          `for (let j = 1; j < ${width}; j++) if (${x}[o + j] > max) max = ${x}[o + j];`,
          `let total = 0;`,
          `for (let j = 0; j < ${width}; j++) { const e = Math.exp(${x}[o + j] - max); ${y}[o + j] = e; total += e; }`,
          `for (let j = 0; j < ${width}; j++) ${y}[o + j] /= total;`,
          `}`,
        ];
  },
  backwardRows: (dy, y, dz, op, rows, width) => [
    `for (let r = 0; r < ${rows}; r++) {`,
    `const o = r * ${width};`,
    `let dot = 0;`,
    `for (let j = 0; j < ${width}; j++) { const i = o + j; dot += ${dy("i")} * ${y}[i]; }`,
    `for (let j = 0; j < ${width}; j++) { const i = o + j; ${dz}[i] ${op} ${y}[i] * (${dy("i")} - dot); }`,
    `}`,
  ],
  forward(z, y, width) {
    for (let start = 0; start < z.length; start += width) {
      let max = -Infinity;
      for (let i = start; i < start + width; i++) max = Math.max(max, z[i]!);
      let total = 0;
      for (let i = start; i < start + width; i++) total += y[i] = Math.exp(z[i]! - max);
      for (let i = start; i < start + width; i++) y[i]! /= total;
    }
  },
  backward(_z, y, dy, dz, width) {
    for (let start = 0; start < y.length; start += width) {
      let dot = 0;
      for (let i = start; i < start + width; i++) dot += dy[i]! * y[i]!;
      for (let i = start; i < start + width; i++) dz[i]! += y[i]! * (dy[i]! - dot);
    }
  },
};

// relu's derivative is 0 at z <= 0 and leakyRelu's is alpha there (TensorFlow's ReluGrad and
// LeakyReluGrad). leakyRelu's output has the sign of its input for a positive alpha, so the kernels
// read the output; with alpha <= 0 they keep the input.
export const ACTIVATIONS: Readonly<Record<FunctionName, ActivationEntry>> = {
  linear: elementwise("linear", {
    expression: (z) => z,
    derivative: () => "1",
    derivativeText: "dz = dy",
    f: (z) => z,
    df: () => 1,
  }),
  sigmoid: elementwise("sigmoid", {
    expression: (z) => `1 / (1 + Math.exp(-${z}))`,
    derivative: (y) => `${y} * (1 - ${y})`,
    derivativeText: "dz = dy · σ(z)(1 − σ(z))",
    f: sigmoid,
    df: (_z, y) => y * (1 - y),
  }),
  tanh: elementwise("tanh", {
    expression: (z) => `rationalTanh(${z})`,
    derivative: (y) => `(1 - ${y} * ${y})`,
    derivativeText: "dz = dy · (1 − tanh²(z))",
    f: Math.tanh,
    df: (_z, y) => 1 - y * y,
  }),
  relu: elementwise("relu", {
    expression: (z) => `${z} > 0 ? ${z} : 0`,
    derivative: (y) => `(${y} > 0 ? 1 : 0)`,
    derivativeText: "dz = dy · (z > 0 ? 1 : 0)",
    f: (z) => (z > 0 ? z : 0),
    df: (z) => (z > 0 ? 1 : 0),
  }),
  leakyRelu: elementwise("leakyRelu", {
    expression: (z, alpha) => `${z} > 0 ? ${z} : ${alpha} * ${z}`,
    derivative: (y, z, alpha) => (alpha > 0 ? `(${y} > 0 ? 1 : ${alpha})` : `(${z} > 0 ? 1 : ${alpha})`),
    derivativeText: "dz = dy · (z > 0 ? 1 : α)",
    needsInput: (alpha) => !(alpha > 0),
    f: (z, alpha) => (z >= 0 ? z : alpha * z),
    df: (z, _y, alpha) => (z > 0 ? 1 : alpha),
  }),
  step: elementwise("step", {
    expression: (z) => `${z} > 0 ? 1 : 0`,
    derivative: null,
    derivativeText: "none: step has no useful gradient",
    f: (z) => (z > 0 ? 1 : 0),
    df: null,
  }),
  exp: elementwise("exp", {
    expression: (z) => `Math.exp(${z})`,
    derivative: (y) => y,
    derivativeText: "dz = dy · exp(z)",
    f: Math.exp,
    df: (_z, y) => y,
  }),
  log: elementwise("log", {
    expression: (z) => `Math.log(${z})`,
    derivative: (_y, z) => `(1 / ${z})`,
    derivativeText: "dz = dy / z",
    needsInput: () => true,
    f: Math.log,
    df: (z) => 1 / z,
  }),
  softmax,
};

/** The message for training through a function without a gradient. */
export function noGradientMessage(layer: string, name: FunctionName): string {
  return `layer "${layer}" uses ${name}, which has no useful gradient: it cannot be trained through`;
}
