// The compiled losses, reduced as Keras 3 does by default: the per-vector loss over the last axis,
// then the mean over every other position and over the batch (over the unpadded positions when the
// output carries a mask). Each loss's reference is in codegen/losses; this checks the targets and
// runs it.

import type { LossName } from "../../dsl/config/losses";
import { LOSS_RULES } from "../losses/registry";
import { lastAxis, sizeOf } from "./tensor";

export { EPSILON } from "../losses/rule";

export interface LossResult {
  readonly value: number;
  /** d value / d prediction, batch * size numbers (null unless asked for). */
  readonly gradient: Float64Array | null;
}

/** The number of targets the loss expects: class ids per last-axis vector for sparse, else one per output. */
export function targetCount(loss: LossName, outputShape: readonly number[], batch: number): number {
  return batch * LOSS_RULES[loss].targetsPerExample(sizeOf(outputShape), lastAxis(outputShape));
}

export function computeLoss(
  loss: LossName,
  outputShape: readonly number[],
  predictions: Float64Array,
  targets: Float64Array,
  batch: number,
  withGradient: boolean,
  /** The output's mask (one number per last-axis vector, 1 for a token, 0 for padding), or null. */
  mask: Float64Array | null = null,
): LossResult {
  const expected = targetCount(loss, outputShape, batch);
  if (targets.length !== expected) {
    const what = expected === predictions.length ? "targets" : "class ids";
    throw new Error(`${loss}: expected ${expected} ${what} (batch ${batch}), got ${targets.length}`);
  }
  const gradient = withGradient ? new Float64Array(predictions.length) : null;
  return { value: LOSS_RULES[loss].reference(predictions, targets, outputShape, gradient, mask), gradient };
}
