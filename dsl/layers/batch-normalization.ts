import type { InitializerArg } from "../config/initializers";
import { LayerCore, makeLayer, type Layer } from "../layer";
import type { Param } from "../param";
import { lastDim } from "../shapes";
import { opTensor, type AnyTensor } from "../tensor";
import { addWeight, paramTensor } from "../weights";
import type { NormalizationKind } from "./float-identity";

export interface BatchNormalizationOptions {
  momentum?: number;
  epsilon?: number;
  /** Learn a shift beta. */
  center?: boolean;
  /** Learn a scale gamma. */
  scale?: boolean;
  betaInitializer?: InitializerArg;
  gammaInitializer?: InitializerArg;
  movingMeanInitializer?: InitializerArg;
  movingVarianceInitializer?: InitializerArg;
  name?: string;
}

class BatchNormalization extends LayerCore {
  private weights: Param[] | undefined;

  constructor(private readonly options: BatchNormalizationOptions) {
    super("BatchNormalization", "batch_normalization", options.name);
    const { momentum = 0.99, epsilon = 1e-3 } = options;
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`batchNormalization: momentum must be in [0, 1), got ${momentum}`);
    if (!(epsilon > 0)) throw new Error(`batchNormalization: epsilon must be positive, got ${epsilon}`);
  }

  protected apply(x: AnyTensor): AnyTensor {
    if (x.dtype !== "float32") throw new Error("batchNormalization: needs float32 input, got int32");
    if (x.shape.length === 0) throw new Error("batchNormalization: needs at least one dimension, got a scalar");
    const channels = lastDim(x.shape);
    if (this.weights && this.weights[0]!.shape[0] !== channels) {
      throw new Error(`batchNormalization: expects ${this.weights[0]!.shape[0]} features, got ${channels}`);
    }
    this.weights ??= this.build(channels);
    const { momentum = 0.99, epsilon = 1e-3, center = true, scale = true } = this.options;
    const attrs = { momentum, epsilon, center, scale };
    return opTensor(x.shape, "float32", "batchNormalization", [x, ...this.weights.map(paramTensor)], this, attrs);
  }

  /** Keras' weight order: gamma, beta, moving_mean, moving_variance. */
  private build(channels: number): Param[] {
    const { options } = this;
    const weight = (localName: string, initializer: InitializerArg, trainable = true) =>
      addWeight({ owner: this, localName, shape: [channels], initializer, trainable });
    return [
      ...((options.scale ?? true) ? [weight("gamma", options.gammaInitializer ?? "ones")] : []),
      ...((options.center ?? true) ? [weight("beta", options.betaInitializer ?? "zeros")] : []),
      weight("moving_mean", options.movingMeanInitializer ?? "zeros", false),
      weight("moving_variance", options.movingVarianceInitializer ?? "ones", false),
    ];
  }
}

/**
 * Normalises each feature over the batch in training (biased variance), and with the moving
 * statistics at inference; momentum 0.99 and epsilon 1e-3 as Keras.
 */
export function batchNormalization(options: BatchNormalizationOptions = {}): Layer<NormalizationKind<"batchNormalization">> {
  return makeLayer(new BatchNormalization(options));
}
