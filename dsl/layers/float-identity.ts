import type { LayerKind } from "../layer";
import type { Tensor } from "../tensor";

/** Layers that keep the shape and compute in float32: activation, dropout. */
export interface FloatIdentityKind<Op extends string> extends LayerKind {
  readonly output: this["input"] extends Tensor<infer S, infer D>
    ? D extends "int32"
      ? `${Op}: needs float32 input, got int32`
      : Tensor<S>
    : never;
}

/** Layers that normalise over the last axis: batchNormalization, layerNormalization. */
export interface NormalizationKind<Op extends string> extends LayerKind {
  readonly output: this["input"] extends Tensor<infer S, infer D>
    ? D extends "int32"
      ? `${Op}: needs float32 input, got int32`
      : S extends readonly []
        ? `${Op}: needs at least one dimension, got a scalar`
        : Tensor<S>
    : never;
}
