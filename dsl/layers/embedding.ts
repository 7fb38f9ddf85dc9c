import type { InitializerArg } from "../config/initializers";
import type { RegularizerConfig } from "../config/regularizers";
import { checkPositiveInteger } from "../checks";
import { LayerCore, makeLayer, type Layer, type LayerKind } from "../layer";
import type { Param } from "../param";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import type { Shape } from "../types/shape";
import { addWeight, paramTensor } from "../weights";
import type { CheckInputShape, DeclaredInput } from "./input-shape";

export interface EmbeddingOptions<S extends Shape = Shape> {
  embeddingsInitializer?: InitializerArg;
  embeddingsRegularizer?: RegularizerConfig;
  /** Treat id 0 as padding: the layers after it skip those positions (Keras' mask_zero). */
  maskZero?: boolean;
  /**
   * The shape of the token ids of one example (Keras' input_shape), checked when the layer is
   * applied. As the first layer of an empty `sequential()` it makes the model's int32 input.
   */
  inputShape?: S;
  name?: string;
}

type Embedded<T, Dim extends number> =
  T extends Tensor<infer S, infer D>
    ? D extends "float32"
      ? "embedding: needs int32 token ids, got float32"
      : S extends readonly []
        ? "embedding: needs a sequence of token ids, got a scalar"
        : Tensor<[...S, Dim]>
    : never;

export interface EmbeddingKind<Dim extends number, S extends Shape = never> extends LayerKind {
  readonly output: CheckInputShape<"embedding", S, this["input"], Embedded<this["input"], Dim>>;
  readonly declaredInput: DeclaredInput<S, "int32">;
}

class Embedding extends LayerCore {
  private table: Param | undefined;

  constructor(
    private readonly inputDim: number,
    private readonly outputDim: number,
    private readonly options: EmbeddingOptions,
  ) {
    super("Embedding", "embedding", options.name);
    checkPositiveInteger("embedding", "inputDim", inputDim);
    checkPositiveInteger("embedding", "outputDim", outputDim);
    if (options.inputShape !== undefined) this.declareInputShape("embedding", options.inputShape, "int32");
  }

  protected apply(ids: AnyTensor): AnyTensor {
    if (ids.dtype !== "int32") throw new Error(`embedding: needs int32 token ids, got ${ids.dtype}`);
    if (ids.shape.length === 0) throw new Error("embedding: needs a sequence of token ids, got a scalar");
    this.table ??= addWeight({
      owner: this,
      localName: "embeddings",
      shape: [this.inputDim, this.outputDim],
      initializer: this.options.embeddingsInitializer ?? { name: "randomUniform", minval: -0.05, maxval: 0.05 },
      regularizer: this.options.embeddingsRegularizer ?? null,
    });
    const shape = [...ids.shape, this.outputDim];
    const attrs = { inputDim: this.inputDim, maskZero: this.options.maskZero ?? false };
    return opTensor(shape, "float32", "embedding", [ids, paramTensor(this.table)], this, attrs);
  }
}

/** Looks up a learned vector of `outputDim` numbers for each token id in [0, inputDim). */
export function embedding<const V extends number, const Dim extends number, const S extends Shape = never>(
  inputDim: V,
  outputDim: Dim,
  options: EmbeddingOptions<S> = {},
): Layer<EmbeddingKind<Dim, S>> {
  return makeLayer(new Embedding(inputDim, outputDim, options));
}
