import { isLayer, type AnyLayer } from "../layer";
import type { AnyTensor } from "../tensor";
import { startFrom, UnbuiltSequential, type Fits, type Next, type Sequential } from "./sequential-model";

// Each layer's parameter is checked against the output of the layers before it, so the error
// lands on the layer that does not fit. A mapped type over a tuple of layers cannot do this (its
// elements may not depend on each other and still be inferred), hence one parameter per layer, and
// a limit: deeper stacks chain `.add(layer)`, which has none.

export const MAX_SEQUENTIAL_LAYERS = 24;

/** The type of a 25th layer argument: the sentence the editor shows for it. */
export type TooManyLayers = "sequential: at most 24 layers as arguments; add the others with .add(layer), which has no limit";

/** What layer L makes of T; after an error, the error; nothing for a layer not given. */
type Out<L, T> = [L] extends [never] ? never : Next<L, T>;

/** The output of the last layer given. */
type Last<Os extends unknown[], Prev = never> = Os extends [infer H, ...infer R]
  ? [H] extends [never]
    ? Prev
    : Last<R, H>
  : Prev;

/** `sequential()`: Keras' `Sequential()`, to be built with `.add`; its first `.add` gives the input. */
export function sequential(): UnbuiltSequential;
/** `sequential(input([784]))`: a model of no layers yet; `.add(layer)` adds them. */
export function sequential<T extends AnyTensor>(input: T): Sequential<T, T, true>;
/**
 * A stack of layers, each fed by the one before: `sequential(input([784]), dense(256, "relu"), dense(10))`.
 * A layer that does not fit is a type error on that layer. Up to 24 layers here; `.add` adds more.
 */
export function sequential<
  T extends AnyTensor,
  L1 extends AnyLayer,
  O1 = Out<L1, T>,
  L2 extends AnyLayer = never,
  O2 = Out<L2, O1>,
  L3 extends AnyLayer = never,
  O3 = Out<L3, O2>,
  L4 extends AnyLayer = never,
  O4 = Out<L4, O3>,
  L5 extends AnyLayer = never,
  O5 = Out<L5, O4>,
  L6 extends AnyLayer = never,
  O6 = Out<L6, O5>,
  L7 extends AnyLayer = never,
  O7 = Out<L7, O6>,
  L8 extends AnyLayer = never,
  O8 = Out<L8, O7>,
  L9 extends AnyLayer = never,
  O9 = Out<L9, O8>,
  L10 extends AnyLayer = never,
  O10 = Out<L10, O9>,
  L11 extends AnyLayer = never,
  O11 = Out<L11, O10>,
  L12 extends AnyLayer = never,
  O12 = Out<L12, O11>,
  L13 extends AnyLayer = never,
  O13 = Out<L13, O12>,
  L14 extends AnyLayer = never,
  O14 = Out<L14, O13>,
  L15 extends AnyLayer = never,
  O15 = Out<L15, O14>,
  L16 extends AnyLayer = never,
  O16 = Out<L16, O15>,
  L17 extends AnyLayer = never,
  O17 = Out<L17, O16>,
  L18 extends AnyLayer = never,
  O18 = Out<L18, O17>,
  L19 extends AnyLayer = never,
  O19 = Out<L19, O18>,
  L20 extends AnyLayer = never,
  O20 = Out<L20, O19>,
  L21 extends AnyLayer = never,
  O21 = Out<L21, O20>,
  L22 extends AnyLayer = never,
  O22 = Out<L22, O21>,
  L23 extends AnyLayer = never,
  O23 = Out<L23, O22>,
  L24 extends AnyLayer = never,
  O24 = Out<L24, O23>,
>(
  input: T,
  l1: L1 & Fits<L1, T>,
  l2?: L2 & Fits<L2, O1>,
  l3?: L3 & Fits<L3, O2>,
  l4?: L4 & Fits<L4, O3>,
  l5?: L5 & Fits<L5, O4>,
  l6?: L6 & Fits<L6, O5>,
  l7?: L7 & Fits<L7, O6>,
  l8?: L8 & Fits<L8, O7>,
  l9?: L9 & Fits<L9, O8>,
  l10?: L10 & Fits<L10, O9>,
  l11?: L11 & Fits<L11, O10>,
  l12?: L12 & Fits<L12, O11>,
  l13?: L13 & Fits<L13, O12>,
  l14?: L14 & Fits<L14, O13>,
  l15?: L15 & Fits<L15, O14>,
  l16?: L16 & Fits<L16, O15>,
  l17?: L17 & Fits<L17, O16>,
  l18?: L18 & Fits<L18, O17>,
  l19?: L19 & Fits<L19, O18>,
  l20?: L20 & Fits<L20, O19>,
  l21?: L21 & Fits<L21, O20>,
  l22?: L22 & Fits<L22, O21>,
  l23?: L23 & Fits<L23, O22>,
  l24?: L24 & Fits<L24, O23>,
  ...more: TooManyLayers[]
): Sequential<T, Last<[O1, O2, O3, O4, O5, O6, O7, O8, O9, O10, O11, O12, O13, O14, O15, O16, O17, O18, O19, O20, O21, O22, O23, O24]>>;
export function sequential(input?: unknown, ...layers: unknown[]): UnbuiltSequential | Sequential<AnyTensor, AnyTensor, boolean> {
  if (input === undefined && layers.length === 0) return new UnbuiltSequential();
  let model: Sequential<AnyTensor, AnyTensor, boolean> = startFrom(input);
  layers.forEach((layer, i) => {
    if (layer === undefined) return;
    if (!isLayer(layer)) throw new Error(`sequential: argument ${i + 2} is not a layer`);
    model = model.add(layer);
  });
  return model;
}
