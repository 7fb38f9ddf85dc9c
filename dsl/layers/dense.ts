import { ACTIVATIONS, checkActivation, type ActivationName } from "../config/activations";
import type { InitializerArg, NestedNumbers } from "../config/initializers";
import type { RegularizerConfig } from "../config/regularizers";
import { checkFloat, checkPositiveInteger } from "../checks";
import { LayerCore, makeLayer, type Layer, type LayerKind } from "../layer";
import { matmulNode } from "../ops/matmul";
import { activationNode } from "../ops/unary";
import type { Param } from "../param";
import { lastDim } from "../shapes";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import type { Last, Leading, SameDim, Shape } from "../types/shape";
import { addWeight, paramTensor } from "../weights";
import type { CheckInputShape, DeclaredInput } from "./input-shape";

export interface DenseOptions<I extends number = number, S extends Shape = Shape> {
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerArg;
  biasInitializer?: InitializerArg;
  /** Explicit kernel values, laid out [in, units] as in Keras. */
  kernel?: NestedNumbers;
  bias?: NestedNumbers;
  kernelRegularizer?: RegularizerConfig;
  biasRegularizer?: RegularizerConfig;
  /**
   * The number of input features this layer expects; checked when it is applied. As the first layer
   * of an empty `sequential()` it makes the model's input, `[inputDim]` (Keras' input_dim).
   */
  inputDim?: I;
  /**
   * The shape of one example this layer expects (Keras' input_shape); checked when it is applied. As
   * the first layer of an empty `sequential()` it makes the model's input.
   */
  inputShape?: S;
  /** False freezes the weights: training leaves them as they are (and needs no gradient through the layer). */
  trainable?: boolean;
  name?: string;
}

type DenseResult<T, U extends number, I extends number> =
  T extends Tensor<infer S, infer D>
    ? D extends "int32"
      ? "dense: needs float32 input, got int32"
      : S extends readonly []
        ? "dense: needs at least one dimension, got a scalar"
        : SameDim<Last<S>, I> extends true
          ? Tensor<[...Leading<S>, U]>
          : `dense: expects ${I} input features, got ${Last<S>}`
    : never;

export interface DenseKind<U extends number, I extends number, S extends Shape = never> extends LayerKind {
  readonly output: CheckInputShape<"dense", S, this["input"], DenseResult<this["input"], U, I>>;
  readonly declaredInput: DeclaredInput<S, "float32", number extends I ? never : [I]>;
}

class Dense extends LayerCore {
  private readonly activation: ActivationName;
  private weights: { kernel: Param; bias: Param | null } | undefined;

  constructor(
    private readonly units: number,
    private readonly options: DenseOptions,
  ) {
    super("Dense", "dense", options.name);
    checkPositiveInteger("dense", "units", units);
    this.activation = checkActivation("dense", options.activation ?? "linear");
    if (options.inputDim !== undefined) {
      checkPositiveInteger("dense", "inputDim", options.inputDim);
      this.declaredInput = { shape: [options.inputDim], dtype: "float32" };
    }
    if (options.inputShape !== undefined) this.declareInputShape("dense", options.inputShape, "float32");
  }

  protected apply(x: AnyTensor): AnyTensor {
    checkFloat("dense", x);
    if (x.shape.length === 0) throw new Error("dense: needs at least one dimension, got a scalar");
    const features = lastDim(x.shape);
    const expected = this.options.inputDim ?? this.weights?.kernel.shape[0];
    if (expected !== undefined && expected !== features) throw new Error(`dense: expects ${expected} input features, got ${features}`);
    const { kernel, bias } = (this.weights ??= this.build(features));
    let out = matmulNode(x, paramTensor(kernel), this);
    if (bias) out = opTensor(out.shape, "float32", "biasAdd", [out, paramTensor(bias)], this);
    return activationNode(this.activation, out, this);
  }

  private build(features: number) {
    const { options, units } = this;
    const kernel = addWeight({
      owner: this,
      localName: "kernel",
      shape: [features, units],
      initializer: options.kernel ?? options.kernelInitializer ?? "glorotUniform",
      regularizer: options.kernelRegularizer ?? null,
      trainable: options.trainable ?? true,
    });
    const useBias = options.useBias ?? true;
    if (!useBias && options.bias !== undefined) throw new Error("dense: bias values given with useBias: false");
    const bias = useBias
      ? addWeight({
          owner: this,
          localName: "bias",
          shape: [units],
          initializer: options.bias ?? options.biasInitializer ?? "zeros",
          regularizer: options.biasRegularizer ?? null,
          trainable: options.trainable ?? true,
        })
      : null;
    return { kernel, bias };
  }
}

/**
 * A fully connected layer: activation(x . kernel + bias), kernel laid out [in, units].
 * `dense(units, "relu")` is shorthand for `dense(units, { activation: "relu" })`.
 */
export function dense<const U extends number, const I extends number = number, const S extends Shape = never>(
  units: U,
  options: ActivationName | DenseOptions<I, S> = {},
): Layer<DenseKind<U, I, S>> {
  const resolved = typeof options === "string" ? { activation: options } : options;
  if (resolved === null || typeof resolved !== "object") {
    throw new Error(`dense: the second argument is an activation (${ACTIVATIONS.join(", ")}) or an options object`);
  }
  return makeLayer(new Dense(units, resolved));
}
