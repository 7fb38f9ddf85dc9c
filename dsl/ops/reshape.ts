// reshape and flatten work both ways: on a tensor (`reshape(x, [5, 5])`, `flatten(x)`) and as a
// layer inside `sequential` (`reshape([5, 5])`, `flatten()`).

import { checkTensor } from "../checks";
import { LayerCore, makeLayer, type Layer, type LayerKind } from "../layer";
import { checkShapeArgument, product } from "../shapes";
import { isTensor, opTensor, Tensor, type AnyTensor } from "../tensor";
import type { ProductOf } from "../types/arithmetic";
import type { Outcome, Problem } from "../types/problem";
import type { SameDim, Shape, Writable } from "../types/shape";

type Reshaped<T, R extends Shape> =
  T extends Tensor<infer S, infer D>
    ? SameDim<ProductOf<S>, ProductOf<R>> extends true
      ? Tensor<Writable<R>, D>
      : `reshape: ${ProductOf<S>} elements cannot become ${ProductOf<R>}`
    : never;

type Flattened<T> = T extends Tensor<infer S, infer D> ? Tensor<[ProductOf<S>], D> : never;

export interface ReshapeKind<R extends Shape> extends LayerKind {
  readonly output: Reshaped<this["input"], R>;
}
export interface FlattenKind extends LayerKind {
  readonly output: this["input"] extends Tensor<infer S, infer D> ? Tensor<[ProductOf<S>], D> : never;
}

class Reshape extends LayerCore {
  constructor(
    private readonly target: readonly number[] | "flat",
    name?: string,
  ) {
    super(target === "flat" ? "Flatten" : "Reshape", target === "flat" ? "flatten" : "reshape", name);
  }

  protected apply(x: AnyTensor): AnyTensor {
    const count = product(x.shape);
    const shape = this.target === "flat" ? [count] : this.target;
    if (product(shape) !== count) throw new Error(`reshape: ${count} elements cannot become ${product(shape)}`);
    return opTensor(shape, x.dtype, "reshape", [x], this, { shape });
  }
}

/** `reshape(shape)` is the layer, for `sequential`. */
export function reshape<const R extends Shape>(shape: R): Layer<ReshapeKind<Writable<R>>>;
/** `reshape(x, shape)` reshapes a tensor; the element count must not change. */
export function reshape<T extends AnyTensor, const R extends Shape>(x: T, shape: R & Problem<Reshaped<T, R>>): Outcome<Reshaped<T, R>>;
export function reshape(a: unknown, shape?: unknown): unknown {
  if (!isTensor(a)) {
    if (shape !== undefined) throw new Error("reshape: the first argument of reshape(x, shape) must be a tensor");
    return makeLayer(new Reshape(checkShapeArgument("reshape", a)));
  }
  return new Reshape(checkShapeArgument("reshape", shape)).call(a);
}

/** `flatten()` is the layer, for `sequential`. */
export function flatten(): Layer<FlattenKind>;
/** `flatten(x)` flattens a tensor to one dimension. */
export function flatten<T extends AnyTensor>(x: T): Flattened<T>;
export function flatten(x?: unknown): unknown {
  if (x === undefined) return makeLayer(new Reshape("flat"));
  checkTensor("flatten", x);
  return new Reshape("flat").call(x);
}
