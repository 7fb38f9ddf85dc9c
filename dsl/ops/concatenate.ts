import { checkTensor } from "../checks";
import { Scope } from "../scope";
import { lastDim, sameShape, shapeText } from "../shapes";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import type { SumOf } from "../types/arithmetic";
import type { Problem } from "../types/problem";
import type { Last, Leading, SameShape, ShapeText } from "../types/shape";

type Fits<First, T> =
  First extends Tensor<infer SF, infer DF>
    ? T extends Tensor<infer S, infer D>
      ? S extends readonly []
        ? "concatenate: needs tensors with at least one dimension, got a scalar"
        : [D] extends [DF]
          ? SameShape<Leading<SF>, Leading<S>> extends true
            ? unknown
            : `concatenate: leading dimensions differ (${ShapeText<Leading<SF>>} vs ${ShapeText<Leading<S>>})`
          : `concatenate: dtypes differ (${DF} vs ${D})`
      : never
    : never;

type LastDims<Xs extends readonly AnyTensor[]> = { [I in keyof Xs]: Last<Xs[I]["shape"]> };

type Concatenated<Xs extends readonly AnyTensor[]> =
  Xs[0] extends Tensor<infer S, infer D> ? Tensor<[...Leading<S>, SumOf<LastDims<Xs>>], D> : never;

/** Joins tensors along their last axis; every other dimension must agree. */
export function concatenate<const Xs extends readonly [AnyTensor, AnyTensor, ...AnyTensor[]]>(
  ...xs: { [I in keyof Xs]: Xs[I] & Problem<Fits<Xs[0], Xs[I]>> }
): Concatenated<Xs> {
  const tensors = xs as readonly unknown[];
  if (tensors.length < 2) throw new Error(`concatenate: needs at least two tensors, got ${tensors.length}`);
  tensors.forEach((x) => checkTensor("concatenate", x));
  const [first, ...rest] = tensors as AnyTensor[];
  for (const x of [first!, ...rest]) {
    if (x.shape.length === 0) throw new Error("concatenate: needs tensors with at least one dimension, got a scalar");
  }
  for (const x of rest) {
    if (x.dtype !== first!.dtype) throw new Error(`concatenate: dtypes differ (${first!.dtype} vs ${x.dtype})`);
    const [a, b] = [first!.shape.slice(0, -1), x.shape.slice(0, -1)];
    if (!sameShape(a, b)) throw new Error(`concatenate: leading dimensions differ (${shapeText(a)} vs ${shapeText(b)})`);
  }
  const width = (tensors as AnyTensor[]).reduce((sum, x) => sum + lastDim(x.shape), 0);
  const shape = [...first!.shape.slice(0, -1), width];
  return opTensor(shape, first!.dtype, "concatenate", tensors as AnyTensor[], new Scope("Concatenate", "concatenate")) as Concatenated<Xs>;
}
