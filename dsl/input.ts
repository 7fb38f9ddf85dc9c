import { Scope } from "./scope";
import { checkShapeArgument, check } from "./shapes";
import { Tensor } from "./tensor";
import type { DType, Shape, Writable } from "./types/shape";

export interface InputOptions<D extends DType> {
  /** "float32" (default) or "int32" for token ids. */
  dtype?: D;
  name?: string;
  /** Rows arrive in compressed sparse row form (bag-of-words inputs). */
  sparse?: boolean;
}

/** A model input: the shape of ONE example, as Keras' `input_shape`. */
export function input<const S extends Shape, const D extends DType = "float32">(
  shape: S,
  options: InputOptions<D> = {},
): Tensor<Writable<S>, D> {
  const dims = checkShapeArgument("input", shape);
  const dtype = options.dtype ?? "float32";
  check(dtype === "float32" || dtype === "int32", () => `input: dtype must be "float32" or "int32", got ${JSON.stringify(dtype)}`);
  const scope = new Scope("InputLayer", "input", options.name);
  return new Tensor([...dims] as Writable<S>, dtype as D, { kind: "input", scope, sparse: options.sparse ?? false });
}
