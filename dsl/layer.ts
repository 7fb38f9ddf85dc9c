// Layers are callable objects, as in Keras' functional style: `dense(8, "relu")(x)`.
//
// At the type level a layer is a function from the input tensor type to an output type, encoded as
// a "kind": an interface whose `output` reads `this["input"]`. Applying a kind to a tensor type
// yields the output tensor type or a sentence naming the problem.

import { Scope } from "./scope";
import { checkTensor } from "./checks";
import { checkShapeArgument, sameShape, shapeText } from "./shapes";
import type { AnyTensor } from "./tensor";
import type { Outcome, Problem } from "./types/problem";
import type { DType } from "./types/shape";

export interface LayerKind {
  readonly input: unknown;
  readonly output: unknown;
}

/** The output type (a tensor, or a sentence) of a layer kind applied to a tensor type. */
export type Apply<K extends LayerKind, T> = (K & { readonly input: T })["output"];

export interface Layer<K extends LayerKind> {
  <T extends AnyTensor>(x: T & Problem<Apply<K, T>>): Outcome<Apply<K, T>>;
  /** Type-level only: what this layer does to shapes. */
  readonly __kind?: K;
  /** The layer's state: its weights and how it builds nodes. */
  readonly core: LayerCore;
}

export type AnyLayer = Layer<any>;

export type KindOf<L> = L extends { readonly __kind?: infer K extends LayerKind } ? K : never;

/** The input tensor type a layer's kind declares (its inputShape, or dense's inputDim); never when it declares none. */
export type DeclaredInputOf<L> = KindOf<L> extends { readonly declaredInput: infer In extends AnyTensor } ? In : never;

/** What a layer says it takes, at run time: the shape of one example and its element type. */
export interface DeclaredInput {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** A layer instance: a scope owning weights, which are created on the first call (Keras' build). */
export abstract class LayerCore extends Scope {
  /** The input this layer declares (inputShape; dense's inputDim): an empty sequential() starts from it. */
  declaredInput: DeclaredInput | undefined;
  /** The inputShape given to the layer, checked on every call, with the op that names it in the sentence. */
  #expectedShape: { readonly op: string; readonly shape: readonly number[] } | undefined;

  /** Checks the input against the layer's rules and returns the output tensor. */
  protected abstract apply(x: AnyTensor): AnyTensor;

  /** Keras' input_shape: what the layer expects of one example, checked wherever it is applied. */
  protected declareInputShape(op: string, shape: unknown, dtype: DType): void {
    const dims = [...checkShapeArgument(op, shape)];
    this.#expectedShape = { op, shape: dims };
    this.declaredInput = { shape: dims, dtype };
  }

  call(x: unknown): AnyTensor {
    checkTensor(this.baseName, x);
    const expected = this.#expectedShape;
    if (expected && !sameShape(x.shape, expected.shape)) {
      throw new Error(`${expected.op}: expects input shape ${shapeText(expected.shape)}, got ${shapeText(x.shape)}`);
    }
    return this.apply(x);
  }
}

export function makeLayer<K extends LayerKind>(core: LayerCore): Layer<K> {
  const layer = (x: unknown) => core.call(x);
  return Object.assign(layer, { core }) as unknown as Layer<K>;
}

export function isLayer(value: unknown): value is AnyLayer {
  return typeof value === "function" && (value as { core?: unknown }).core instanceof LayerCore;
}
