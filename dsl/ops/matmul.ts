import { checkFloat, checkTensor } from "../checks";
import { Scope } from "../scope";
import { lastDim, shapeText } from "../shapes";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import type { Outcome, Problem } from "../types/problem";
import type { Last, Leading, SameDim, ShapeText } from "../types/shape";

type FloatOperand<T> = T extends Tensor<any, infer D> ? (D extends "int32" ? "matmul: needs float32 input, got int32" : unknown) : unknown;

type MatmulResult<A, B> =
  A extends Tensor<infer SA, any>
    ? B extends Tensor<infer SB, infer DB>
      ? DB extends "int32"
        ? "matmul: needs float32 input, got int32"
        : SA extends readonly []
          ? "matmul: the first operand needs at least one dimension, got a scalar"
          : SB extends readonly [infer K extends number, infer N extends number]
            ? SameDim<Last<SA>, K> extends true
              ? Tensor<[...Leading<SA>, N]>
              : `matmul: inner dimensions differ (${Last<SA>} vs ${K})`
            : `matmul: the second operand must be a matrix [K, N], got ${ShapeText<SB>}`
      : never
    : never;

/** [K] x [K, N] -> [N] and [M, K] x [K, N] -> [M, N] (per example; the batch is implicit). */
export function matmul<A extends AnyTensor, B extends AnyTensor>(
  a: A & Problem<FloatOperand<A>>,
  b: B & Problem<MatmulResult<A, B>>,
): Outcome<MatmulResult<A, B>> {
  checkTensor("matmul", a);
  checkTensor("matmul", b);
  checkFloat("matmul", a);
  checkFloat("matmul", b);
  return matmulNode(a, b, new Scope("MatMul", "matmul")) as unknown as Outcome<MatmulResult<A, B>>;
}

export function matmulNode(a: AnyTensor, b: AnyTensor, scope: Scope): AnyTensor {
  if (a.shape.length === 0) throw new Error("matmul: the first operand needs at least one dimension, got a scalar");
  if (b.shape.length !== 2) throw new Error(`matmul: the second operand must be a matrix [K, N], got ${shapeText(b.shape)}`);
  const [k, n] = b.shape as [number, number];
  if (lastDim(a.shape) !== k) throw new Error(`matmul: inner dimensions differ (${lastDim(a.shape)} vs ${k})`);
  return opTensor([...a.shape.slice(0, -1), n], "float32", "matmul", [a, b], scope);
}
