import type { InitializerArg } from "../config/initializers";
import type { RegularizerConfig } from "../config/regularizers";
import { checkPositiveInteger } from "../checks";
import { LayerCore, makeLayer, type Layer, type LayerKind } from "../layer";
import type { Param } from "../param";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import { addWeight, paramTensor } from "../weights";

export interface EmbeddingOptions {
  embeddingsInitializer?: InitializerArg;
  embeddingsRegularizer?: RegularizerConfig;
  /** Treat id 0 as padding: the layers after it skip those positions (Keras' mask_zero). */
  maskZero?: boolean;
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

export interface EmbeddingKind<Dim extends number> extends LayerKind {
  readonly output: Embedded<this["input"], Dim>;
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
export function embedding<const V extends number, const Dim extends number>(
  inputDim: V,
  outputDim: Dim,
  options: EmbeddingOptions = {},
): Layer<EmbeddingKind<Dim>> {
  return makeLayer(new Embedding(inputDim, outputDim, options));
}
