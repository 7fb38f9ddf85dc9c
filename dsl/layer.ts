// Layers are callable objects, as in Keras' functional style: `dense(8, "relu")(x)`.
//
// At the type level a layer is a function from the input tensor type to an output type, encoded as
// a "kind": an interface whose `output` reads `this["input"]`. Applying a kind to a tensor type
// yields the output tensor type or a sentence naming the problem.

import { Scope } from "./scope";
import { checkTensor } from "./checks";
import type { AnyTensor } from "./tensor";
import type { Outcome, Problem } from "./types/problem";

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

/** A layer instance: a scope owning weights, which are created on the first call (Keras' build). */
export abstract class LayerCore extends Scope {
  /** Checks the input against the layer's rules and returns the output tensor. */
  protected abstract apply(x: AnyTensor): AnyTensor;

  call(x: unknown): AnyTensor {
    checkTensor(this.baseName, x);
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
