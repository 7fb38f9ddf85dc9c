import type { InitializerArg } from "./config/initializers";
import type { RegularizerConfig } from "./config/regularizers";
import { checkShapeArgument } from "./shapes";
import { Scope } from "./scope";
import { Tensor } from "./tensor";
import type { Shape, Writable } from "./types/shape";
import { addWeight, paramTensor } from "./weights";

export interface ParamOptions {
  name?: string;
  trainable?: boolean;
  regularizer?: RegularizerConfig;
}

/** A free-standing weight, for low-level models: `matmul(x, param([4, 3]))`. Glorot uniform by default. */
export function param<const S extends Shape>(
  shape: S,
  initializer: InitializerArg = "glorotUniform",
  options: ParamOptions = {},
): Tensor<Writable<S>> {
  const dims = checkShapeArgument("param", shape);
  const owner = new Scope("Weight", "param", options.name);
  const weight = addWeight({
    owner,
    localName: "",
    shape: dims,
    initializer,
    trainable: options.trainable ?? true,
    regularizer: options.regularizer ?? null,
  });
  return paramTensor(weight) as Tensor<Writable<S>>;
}
