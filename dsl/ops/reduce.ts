// sum and mean over one axis of the example, or over all of it (giving a scalar per example).

import { checkFloat, checkTensor } from "../checks";
import { Scope } from "../scope";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import type { Outcome, Problem } from "../types/problem";
import type { RemoveAxis } from "../types/shape";

type Reduced<Op extends string, T, A> =
  T extends Tensor<infer S, infer D>
    ? D extends "int32"
      ? `${Op}: needs float32 input, got int32`
      : [A] extends [undefined]
        ? Tensor<[]>
        : A extends -1
          ? S extends readonly [...infer Lead extends number[], number]
            ? Tensor<Lead>
            : `${Op}: axis -1 is out of range for rank 0`
          : A extends number
            ? number extends A
              ? Tensor<number[]>
              : `${A}` extends `-${string}`
                ? `${Op}: axis ${A} is out of range for rank ${S["length"]}`
                : RemoveAxis<S, A> extends infer R extends number[]
                  ? R["length"] extends S["length"]
                    ? `${Op}: axis ${A} is out of range for rank ${S["length"]}`
                    : Tensor<R>
                  : never
            : never
    : never;

export type ReduceOp<Op extends string> = <T extends AnyTensor, const A extends number | undefined = undefined>(
  x: T & Problem<Reduced<Op, T, A>>,
  axis?: A,
) => Outcome<Reduced<Op, T, A>>;

function reduceOp(op: "sum" | "mean", typeName: string): ReduceOp<typeof op> {
  const fn = (x: unknown, axis?: number) => {
    checkTensor(op, x);
    checkFloat(op, x);
    if (axis === undefined) return opTensor([], "float32", op, [x], new Scope(typeName, op), { axis: null });
    const rank = x.shape.length;
    const index = axis === -1 ? rank - 1 : axis;
    if (!Number.isInteger(axis) || index < 0 || index >= rank) throw new Error(`${op}: axis ${axis} is out of range for rank ${rank}`);
    const shape = x.shape.filter((_, i) => i !== index);
    return opTensor(shape, "float32", op, [x], new Scope(typeName, op), { axis: index });
  };
  return fn as unknown as ReduceOp<typeof op>;
}

/** Sum over `axis` (-1 for the last), or over the whole example when no axis is given. */
export const sum = reduceOp("sum", "Sum") as ReduceOp<"sum">;
/** Mean over `axis` (-1 for the last), or over the whole example when no axis is given. */
export const mean = reduceOp("mean", "Mean") as ReduceOp<"mean">;
