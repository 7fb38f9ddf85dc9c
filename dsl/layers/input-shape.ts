// A layer may say what it expects, as Keras' `input_shape` (and Dense's `input_dim`): as the first
// layer of an empty `sequential()` it makes the model's input; wherever it is applied, its
// inputShape is checked against the tensor it gets.

import type { Tensor } from "../tensor";
import type { DType, SameShape, Shape, ShapeText, Writable } from "../types/shape";

/** The input a layer declares: the tensor of shape S (or of the fallback shape, dense's [inputDim]), or never. */
export type DeclaredInput<S extends Shape, D extends DType, Fallback extends Shape = never> = [S] extends [never]
  ? [Fallback] extends [never]
    ? never
    : Tensor<Writable<Fallback>, D>
  : Tensor<Writable<S>, D>;

/** `Result` when the layer declares no inputShape or T has it; else the sentence the run-time check throws. */
export type CheckInputShape<Op extends string, S extends Shape, T, Result> = [S] extends [never]
  ? Result
  : T extends Tensor<infer Got, DType>
    ? SameShape<Got, Writable<S>> extends true
      ? Result
      : `${Op}: expects input shape ${ShapeText<S>}, got ${ShapeText<Got>}`
    : Result;
