// Bidirectional (Keras): a recurrent layer run forward and, with its own weights, backward over the
// sequence; the backward output (in processing order) is put back in time order when every step is
// returned, then the two are merged: concatenated (the default), summed, multiplied or averaged. With
// every step returned, a padded step's output is zero in both directions (Keras' zero_output_for_mask).
// Weights: the forward layer's, then the backward layer's.

import type { Add } from "../types/arithmetic";
import { LayerCore, makeLayer, type Layer } from "../layer";
import { opTensor, type AnyTensor } from "../tensor";
import { RecurrentLayer, type Recurrent, type RecurrentKind, type RecurrentWeights } from "./recurrent";
import type { KindOf, LayerKind } from "../layer";

export type MergeMode = "concat" | "sum" | "mul" | "ave";

const MERGE_MODES: readonly MergeMode[] = ["concat", "sum", "mul", "ave"];

export interface BidirectionalOptions<Mode extends MergeMode> {
  mergeMode?: Mode;
  name?: string;
}

type Merged<U extends number, Mode extends MergeMode> = Mode extends "concat" ? Add<U, U> : U;

export interface BidirectionalKind<Op extends string, U extends number, Seq extends boolean, Mode extends MergeMode> extends LayerKind {
  readonly output: Recurrent<`bidirectional(${Op})`, this["input"], Merged<U, Mode>, Seq>;
}

class Bidirectional extends LayerCore {
  private weights: { forward: RecurrentWeights; backward: RecurrentWeights } | undefined;

  constructor(
    private readonly inner: RecurrentLayer,
    private readonly mergeMode: MergeMode,
    name?: string,
  ) {
    super("Bidirectional", "bidirectional", name);
    if (!MERGE_MODES.includes(mergeMode)) throw new Error(`bidirectional: unknown mergeMode ${JSON.stringify(mergeMode)}; expected one of ${MERGE_MODES.join(", ")}`);
  }

  protected apply(x: AnyTensor): AnyTensor {
    const { inner } = this;
    const [steps, features] = inner.checkInput(x, `bidirectional(${inner.op})`);
    const built = this.weights?.forward.kernel.shape[0];
    if (built !== undefined && built !== features) throw new Error(`bidirectional(${inner.op}): expects ${built} input features, got ${features}`);
    this.weights ??= { forward: inner.buildWeights(this, "forward_", features), backward: inner.buildWeights(this, "backward_", features) };
    // Keras' Bidirectional sets zero_output_for_mask = return_sequences on both layers.
    const forward = inner.emit(x, this.weights.forward, this, inner.goBackwards, inner.returnSequences);
    let backward = inner.emit(x, this.weights.backward, this, !inner.goBackwards, inner.returnSequences);
    if (inner.returnSequences) backward = opTensor(backward.shape, "float32", "reverse", [backward], this);
    return this.merge(forward, backward, inner.returnSequences ? [steps] : []);
  }

  /** The forward output comes first in every merge: the IR lists a layer's weights in the order its graph reads them, and Keras' order is forward's, then backward's. */
  private merge(forward: AnyTensor, backward: AnyTensor, leading: number[]): AnyTensor {
    const units = this.inner.outputUnits;
    if (this.mergeMode === "sum") return opTensor(forward.shape, "float32", "add", [forward, backward], this);
    if (this.mergeMode === "mul") return opTensor(forward.shape, "float32", "multiply", [forward, backward], this);
    const joined = opTensor([...leading, 2 * units], "float32", "concatenate", [forward, backward], this);
    if (this.mergeMode === "concat") return joined;
    // ave: [..., 2U] seen as [..., 2, U], the mean over the 2.
    const pairs = opTensor([...leading, 2, units], "float32", "reshape", [joined], this, { shape: [...leading, 2, units] });
    return opTensor([...leading, units], "float32", "mean", [pairs], this, { axis: leading.length });
  }
}

/**
 * Runs `layer` (simpleRNN, lstm or gru) over the sequence both ways with separate weights and merges
 * the two outputs; `mergeMode` "concat" doubles the units.
 */
export function bidirectional<L extends Layer<RecurrentKind<string, number, boolean>>, const Mode extends MergeMode = "concat">(
  layer: L,
  options: BidirectionalOptions<Mode> = {},
): Layer<BidirectionalOf<KindOf<L>, Mode>> {
  if (!(layer.core instanceof RecurrentLayer)) throw new Error(`bidirectional: needs a recurrent layer (simpleRNN, lstm or gru), got ${layer.core.typeName}`);
  return makeLayer(new Bidirectional(layer.core, options.mergeMode ?? ("concat" as Mode), options.name));
}

type BidirectionalOf<K, Mode extends MergeMode> = K extends { readonly recurrent: { readonly op: infer Op extends string; readonly units: infer U extends number; readonly sequences: infer Seq extends boolean } }
  ? BidirectionalKind<Op, U, Seq, Mode>
  : never;
