// Element-wise ops on one tensor: exp, log and the activations, as functions on tensors.

import type { ActivationName } from "../config/activations";
import type { ActivationOp } from "../ir";
import { Scope } from "../scope";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import type { Outcome, Problem } from "../types/problem";
import { checkFloat, checkTensor } from "../checks";

type UnaryOpName = ActivationOp | "exp" | "log";

type UnaryResult<Op extends string, T> =
  T extends Tensor<infer S, infer D> ? (D extends "int32" ? `${Op}: needs float32 input, got int32` : Tensor<S>) : never;

export type UnaryOp<Op extends string> = <T extends AnyTensor>(x: T & Problem<UnaryResult<Op, T>>) => Outcome<UnaryResult<Op, T>>;

const TYPE_NAMES: Record<UnaryOpName, string> = {
  sigmoid: "Sigmoid",
  tanh: "Tanh",
  relu: "ReLU",
  leakyRelu: "LeakyReLU",
  softmax: "Softmax",
  step: "Step",
  exp: "Exp",
  log: "Log",
};

/** The node of an element-wise op, owned by `scope` (a dense layer, or the op call itself). */
export function unaryNode(op: UnaryOpName, x: AnyTensor, scope: Scope, attrs: Record<string, number> = {}): AnyTensor {
  checkFloat(op, x);
  return opTensor(x.shape, "float32", op, [x], scope, attrs);
}

/** The activation of a layer; "linear" adds no node. */
export function activationNode(name: ActivationName, x: AnyTensor, scope: Scope, alpha = 0.2): AnyTensor {
  if (name === "linear") return x;
  return unaryNode(name, x, scope, name === "leakyRelu" ? { alpha } : {});
}

function unaryOp<Op extends UnaryOpName>(op: Op): UnaryOp<Op> {
  const fn = (x: unknown) => {
    checkTensor(op, x);
    return unaryNode(op, x, new Scope(TYPE_NAMES[op], op));
  };
  return fn as unknown as UnaryOp<Op>;
}

export const exp = unaryOp("exp");
export const log = unaryOp("log");
export const sigmoid = unaryOp("sigmoid");
export const tanh = unaryOp("tanh");
export const relu = unaryOp("relu");
/** Softmax over the last axis. */
export const softmax = unaryOp("softmax");
/** Heaviside step (1 where x > 0, else 0), for hand-built perceptrons; it has no useful gradient. */
export const step = unaryOp("step");

/** max(x, alpha * x); alpha defaults to 0.2 as Keras' leaky_relu. */
export function leakyRelu<T extends AnyTensor>(x: T & Problem<UnaryResult<"leakyRelu", T>>, alpha = 0.2): Outcome<UnaryResult<"leakyRelu", T>> {
  checkTensor("leakyRelu", x);
  if (!Number.isFinite(alpha)) throw new Error(`leakyRelu: alpha must be a number, got ${alpha}`);
  return unaryNode("leakyRelu", x, new Scope("LeakyReLU", "leaky_relu"), { alpha }) as Outcome<UnaryResult<"leakyRelu", T>>;
}
