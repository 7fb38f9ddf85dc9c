// What a reference rule is given: the node with its typed attributes, its arguments' values and
// shapes, and its output. Rules loop over `rows` examples (1 when the output is shared by the batch)
// and read each argument at rowStart(arg, b), so a shared weight is read (and its gradient summed)
// by every example.

import type { IRNode } from "../../dsl/ir";
import type { Tensor } from "./tensor";

export interface OpCall<A = unknown> {
  readonly node: IRNode;
  readonly attrs: A;
  readonly args: readonly Tensor[];
  readonly argShapes: readonly (readonly number[])[];
  readonly out: Tensor;
  /** The examples to compute: the batch, or 1 for a shared output. */
  readonly rows: number;
  /** The batch size (batch statistics need it even where rows is 1). */
  readonly batch: number;
  /**
   * The mask its arguments carry (an embedding's with maskZero), or null: batch × positions numbers,
   * 1 where the position holds a token and 0 where it is padding.
   */
  readonly mask: Float64Array | null;
}

export interface RunContext {
  readonly training: boolean;
  /** The keep-mask (0/1, batch * size) of a dropout node; throws when it is missing. */
  dropoutMask(node: IRNode): Float64Array;
  /** The name of the weight a param node reads. */
  paramName(nodeId: string): string;
  /** A state weight's value, after the updates made so far in this pass (a shared batchNormalization updates twice). */
  state(name: string): Float64Array;
  updateState(name: string, value: Float64Array): void;
}
