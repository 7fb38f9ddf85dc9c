import type { InitializerArg } from "../config/initializers";
import { LayerCore, makeLayer, type Layer } from "../layer";
import type { Param } from "../param";
import { lastDim } from "../shapes";
import { opTensor, type AnyTensor } from "../tensor";
import { addWeight, paramTensor } from "../weights";
import type { NormalizationKind } from "./float-identity";

export interface LayerNormalizationOptions {
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerArg;
  gammaInitializer?: InitializerArg;
  name?: string;
}

class LayerNormalization extends LayerCore {
  private weights: Param[] | undefined;

  constructor(private readonly options: LayerNormalizationOptions) {
    super("LayerNormalization", "layer_normalization", options.name);
    const { epsilon = 1e-3 } = options;
    if (!(epsilon > 0)) throw new Error(`layerNormalization: epsilon must be positive, got ${epsilon}`);
  }

  protected apply(x: AnyTensor): AnyTensor {
    if (x.dtype !== "float32") throw new Error("layerNormalization: needs float32 input, got int32");
    if (x.shape.length === 0) throw new Error("layerNormalization: needs at least one dimension, got a scalar");
    const features = lastDim(x.shape);
    if (this.weights?.[0] && this.weights[0].shape[0] !== features) {
      throw new Error(`layerNormalization: expects ${this.weights[0].shape[0]} features, got ${features}`);
    }
    this.weights ??= this.build(features);
    const { epsilon = 1e-3, center = true, scale = true } = this.options;
    return opTensor(x.shape, "float32", "layerNormalization", [x, ...this.weights.map(paramTensor)], this, { epsilon, center, scale });
  }

  private build(features: number): Param[] {
    const { options } = this;
    const weight = (localName: string, initializer: InitializerArg) =>
      addWeight({ owner: this, localName, shape: [features], initializer });
    return [
      ...((options.scale ?? true) ? [weight("gamma", options.gammaInitializer ?? "ones")] : []),
      ...((options.center ?? true) ? [weight("beta", options.betaInitializer ?? "zeros")] : []),
    ];
  }
}

/** Normalises each example over its last axis, then scales by gamma and shifts by beta. */
export function layerNormalization(options: LayerNormalizationOptions = {}): Layer<NormalizationKind<"layerNormalization">> {
  return makeLayer(new LayerNormalization(options));
}
