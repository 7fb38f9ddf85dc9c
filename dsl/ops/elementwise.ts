// add, subtract and multiply: element-wise on two tensors of the same shape.

import { checkFloat, checkTensor } from "../checks";
import { Scope } from "../scope";
import { sameShape, shapeText } from "../shapes";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import type { Outcome, Problem } from "../types/problem";
import type { SameShape, ShapeText } from "../types/shape";

type BinaryOpName = "add" | "subtract" | "multiply";

type FloatOperand<Op extends string, T> = T extends Tensor<any, infer D> ? (D extends "int32" ? `${Op}: needs float32 input, got int32` : unknown) : unknown;

type ElementwiseResult<Op extends string, A, B> =
  A extends Tensor<infer SA, any>
    ? B extends Tensor<infer SB, infer DB>
      ? DB extends "int32"
        ? `${Op}: needs float32 input, got int32`
        : SameShape<SA, SB> extends true
          ? Tensor<SA>
          : `${Op}: shapes ${ShapeText<SA>} and ${ShapeText<SB>} differ`
      : never
    : never;

export type BinaryOp<Op extends string> = <A extends AnyTensor, B extends AnyTensor>(
  a: A & Problem<FloatOperand<Op, A>>,
  b: B & Problem<ElementwiseResult<Op, A, B>>,
) => Outcome<ElementwiseResult<Op, A, B>>;

const TYPE_NAMES: Record<BinaryOpName, string> = { add: "Add", subtract: "Subtract", multiply: "Multiply" };

function binaryOp<Op extends BinaryOpName>(op: Op): BinaryOp<Op> {
  const fn = (a: unknown, b: unknown) => {
    checkTensor(op, a);
    checkTensor(op, b);
    checkFloat(op, a);
    checkFloat(op, b);
    if (!sameShape(a.shape, b.shape)) throw new Error(`${op}: shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} differ`);
    return opTensor(a.shape, "float32", op, [a, b], new Scope(TYPE_NAMES[op], op));
  };
  return fn as unknown as BinaryOp<Op>;
}

export const add = binaryOp("add");
export const subtract = binaryOp("subtract");
export const multiply = binaryOp("multiply");
