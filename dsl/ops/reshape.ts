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
  readonly output: Flattened<this["input"]>;
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

type ReshapeResult<A, R extends Shape> = A extends AnyTensor
  ? Outcome<Reshaped<A, R>>
  : A extends Shape
    ? Layer<ReshapeKind<Writable<A>>>
    : never;

/** `reshape(x, shape)` reshapes a tensor; `reshape(shape)` is the layer. The element count must not change. */
export function reshape<const A extends AnyTensor | Shape, const R extends Shape = []>(
  a: A,
  shape?: R & Problem<A extends AnyTensor ? Reshaped<A, R> : unknown>,
): ReshapeResult<A, R> {
  if (!isTensor(a)) return makeLayer(new Reshape(checkShapeArgument("reshape", a))) as ReshapeResult<A, R>;
  checkTensor("reshape", a);
  return new Reshape(checkShapeArgument("reshape", shape)).call(a) as ReshapeResult<A, R>;
}

/** `flatten(x)` flattens a tensor to one dimension; `flatten()` is the layer. */
export function flatten<A extends AnyTensor | undefined = undefined>(
  x?: A,
): A extends AnyTensor ? Flattened<A> : Layer<FlattenKind> {
  type Result = A extends AnyTensor ? Flattened<A> : Layer<FlattenKind>;
  if (x === undefined) return makeLayer(new Reshape("flat")) as Result;
  return new Reshape("flat").call(x) as Result;
}
