// Keras' `model.add(layer)`, as a chain: each `.add` checks its layer against the output so far and
// returns a new model whose type carries the new output shape, so a layer that does not fit is a
// type error on that `.add`, and a stack can be as deep as one likes.

import { checkTensor, describe } from "../checks";
import { input } from "../input";
import { isLayer, type AnyLayer, type Apply, type DeclaredInputOf, type KindOf } from "../layer";
import { isTensor, type AnyTensor } from "../tensor";
import type { Problem } from "../types/problem";
import type { CompileConfig } from "./compile-config";
import type { CompiledModel } from "./compiled-model";
import { Model } from "./model";

/** Whether T is the output of a model so far, not the sentence of an earlier error. */
type IsTensor<T> = [T] extends [never] ? false : [T] extends [AnyTensor] ? true : false;

/** What layer L makes of T (a tensor or a sentence); after an earlier error, that error. */
export type Next<L, T> = IsTensor<T> extends true ? Apply<KindOf<L>, T> : T;

/** Nothing when L accepts T, else the sentence; nothing either after an earlier error. */
export type Fits<L, T> = NoInfer<IsTensor<T> extends true ? Problem<Apply<KindOf<L>, T>> : unknown>;

/** What `.add` accepts after the start: a layer that fits, not an input. */
type AddsTo<L, T> = L extends AnyTensor ? NoInfer<typeof INPUT_FIRST_ONLY> : Fits<L, T>;

/** The output tensor, or never after an error. */
export type TensorOf<O> = O extends AnyTensor ? O : never;

export const INPUT_FIRST_ONLY = "sequential: an input(...) can only start a model: sequential(input([...])) or sequential().add(input([...]))";
export const NO_LAYERS = "sequential: no layers yet; .add(layer) returns a new model, so chain the calls or keep its result";
export const NEEDS_INPUT =
  "sequential: the first layer must give the input's shape (inputShape, or dense's inputDim), or the model must start from an input: sequential(input([...]))";
export const NO_INPUT = "sequential: no input yet; add input([...]) or a first layer with an inputShape";

type NoLayersProblem<Empty extends boolean> = NoInfer<Empty extends true ? typeof NO_LAYERS : unknown>;

/**
 * A stack of layers from one input. `Out` is the output tensor type (a sentence after a type error,
 * so that one mistake is reported once); `Empty` is true until the first layer.
 */
export class Sequential<In extends AnyTensor, Out, Empty extends boolean = false> extends Model<[In], TensorOf<Out>> {
  constructor(inputTensor: In, output: AnyTensor) {
    super("sequential", [inputTensor], output as TensorOf<Out>);
  }

  /** A new model: this one followed by `layer`, which must accept this model's output. */
  add<L extends AnyLayer | AnyTensor>(layer: L & AddsTo<L, Out>): Sequential<In, L extends AnyTensor ? typeof INPUT_FIRST_ONLY : Next<L, Out>>;
  add(layer: unknown): Sequential<In, unknown> {
    if (isTensor(layer)) throw new Error(INPUT_FIRST_ONLY);
    if (!isLayer(layer)) throw new Error(`sequential: add expects a layer, got ${describe(layer)}`);
    return new Sequential(this.inputs[0], layer.core.call(this.output));
  }

  compile(config: CompileConfig & NoLayersProblem<Empty>): CompiledModel<[In["shape"]], TensorOf<Out>["shape"], [In["dtype"]]> {
    if ((this.output as AnyTensor) === this.inputs[0]) throw new Error(NO_LAYERS);
    return super.compile(config);
  }
}

/** Nothing when L can start a model (an input tensor, or a layer that declares its input), else the sentence. */
type StartsModel<L> = NoInfer<L extends AnyTensor ? unknown : [DeclaredInputOf<L>] extends [never] ? typeof NEEDS_INPUT : Problem<Apply<KindOf<L>, DeclaredInputOf<L>>>>;

/** The model the first `.add` starts; after an error, a model that reports nothing more. */
type Started<L> = L extends AnyTensor
  ? Sequential<L, L, true>
  : [DeclaredInputOf<L>] extends [never]
    ? Sequential<never, typeof NEEDS_INPUT>
    : Sequential<DeclaredInputOf<L>, Apply<KindOf<L>, DeclaredInputOf<L>>>;

/** `sequential()`: no input yet. The first `.add` gives it: an input tensor, or a layer with an inputShape. */
export class UnbuiltSequential {
  /** The model's input, `input([784])`, or its first layer, `dense(256, { inputShape: [784] })`. */
  add<L extends AnyLayer | AnyTensor>(first: L & StartsModel<L>): Started<L>;
  add(first: unknown): Sequential<AnyTensor, AnyTensor, boolean> {
    if (isTensor(first)) return startFrom(first);
    if (!isLayer(first)) throw new Error(`sequential: add expects an input(...) tensor or a layer, got ${describe(first)}`);
    const declared = first.core.declaredInput;
    if (!declared) throw new Error(NEEDS_INPUT);
    return startFrom(input(declared.shape, { dtype: declared.dtype })).add(first);
  }

  compile(config: typeof NO_INPUT): never;
  compile(): never {
    throw new Error(NO_INPUT);
  }

  summary(): never {
    throw new Error(NO_INPUT);
  }
}

/** A model of no layers yet, from an input(...) tensor. */
export function startFrom(inputTensor: unknown): Sequential<AnyTensor, AnyTensor, true> {
  checkTensor("sequential", inputTensor);
  if (inputTensor.origin.kind !== "input") throw new Error("sequential: the first argument must be an input(...) tensor");
  return new Sequential(inputTensor, inputTensor);
}
