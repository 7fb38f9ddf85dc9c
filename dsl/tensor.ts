import type { DType, Shape } from "./types/shape";
import type { Param } from "./param";
import type { Scope } from "./scope";
import type { OpName } from "./ir";

export type AttrValue = number | boolean | string | null | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** Where a symbolic tensor comes from. */
export type Origin =
  | { readonly kind: "input"; readonly scope: Scope; readonly sparse: boolean }
  | { readonly kind: "param"; readonly param: Param }
  | {
      readonly kind: "op";
      readonly op: OpName;
      readonly inputs: readonly AnyTensor[];
      readonly attrs: Attrs;
      readonly scope: Scope;
    };

/**
 * A symbolic tensor: the shape of one example (the batch is implicit) and its element type.
 * Tensors hold no data; they record how they are computed, and a model is built from them.
 */
export class Tensor<S extends Shape = Shape, D extends DType = "float32"> {
  constructor(
    readonly shape: S,
    readonly dtype: D,
    readonly origin: Origin,
  ) {}

  toString(): string {
    return `Tensor<[${this.shape.join(", ")}]${this.dtype === "float32" ? "" : `, "${this.dtype}"`}>`;
  }
}

export type AnyTensor = Tensor<Shape, DType>;

export function isTensor(value: unknown): value is AnyTensor {
  return value instanceof Tensor;
}

/** A tensor computed by an op from other tensors. */
export function opTensor<S extends Shape, D extends DType>(
  shape: S,
  dtype: D,
  op: OpName,
  inputs: readonly AnyTensor[],
  scope: Scope,
  attrs: Attrs = {},
): Tensor<S, D> {
  return new Tensor(shape, dtype, { kind: "op", op, inputs, attrs, scope });
}
