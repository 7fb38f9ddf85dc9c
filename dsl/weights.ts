// Creating a layer's weights and the tensors that read them.

import { resolveInitializer, type InitializerArg } from "./config/initializers";
import type { RegularizerConfig } from "./config/regularizers";
import { Param } from "./param";
import type { Scope } from "./scope";
import { Tensor, type AnyTensor } from "./tensor";

const tensors = new WeakMap<Param, AnyTensor>();

/** The tensor reading a weight; the same tensor every time, so shared layers share it. */
export function paramTensor(param: Param): AnyTensor {
  let tensor = tensors.get(param);
  if (!tensor) {
    tensor = new Tensor(param.shape, "float32", { kind: "param", param });
    tensors.set(param, tensor);
  }
  return tensor;
}

export interface WeightSpec {
  readonly owner: Scope;
  readonly localName: string;
  readonly shape: readonly number[];
  readonly initializer: InitializerArg;
  readonly trainable?: boolean;
  readonly regularizer?: RegularizerConfig | null;
}

export function addWeight({ owner, localName, shape, initializer, trainable = true, regularizer = null }: WeightSpec): Param {
  const what = `${owner.baseName}: ${localName}`;
  return new Param(owner, localName, shape, resolveInitializer(initializer, shape, what), trainable, regularizer);
}
