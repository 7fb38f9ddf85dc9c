// The compiled losses, reduced as Keras 3 does by default: the per-vector loss over the last axis,
// then the mean over every other position and over the batch. Returns the value and, on request,
// its gradient with respect to the predictions.

import type { LossName } from "../../dsl/config/losses";
import { lastAxis, sizeOf } from "./tensor";

/** Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
export const EPSILON = 1e-7;

export interface LossResult {
  readonly value: number;
  /** d value / d prediction, batch * size numbers (null unless asked for). */
  readonly gradient: Float64Array | null;
}

const clip = (p: number) => Math.min(Math.max(p, EPSILON), 1 - EPSILON);
const isClipped = (p: number) => p < EPSILON || p > 1 - EPSILON;

/** The number of targets the loss expects: class ids per last-axis vector for sparse, else one per output. */
export function targetCount(loss: LossName, outputShape: readonly number[], batch: number): number {
  const size = sizeOf(outputShape);
  return loss === "sparseCategoricalCrossentropy" ? batch * (size / lastAxis(outputShape)) : batch * size;
}

export function computeLoss(
  loss: LossName,
  outputShape: readonly number[],
  predictions: Float64Array,
  targets: Float64Array,
  batch: number,
  withGradient: boolean,
): LossResult {
  const expected = targetCount(loss, outputShape, batch);
  if (targets.length !== expected) {
    const what = loss === "sparseCategoricalCrossentropy" ? "class ids" : "targets";
    throw new Error(`${loss}: expected ${expected} ${what} (batch ${batch}), got ${targets.length}`);
  }
  const gradient = withGradient ? new Float64Array(predictions.length) : null;
  const count = predictions.length;
  switch (loss) {
    case "meanSquaredError":
    case "meanAbsoluteError":
    case "binaryCrossentropy": {
      let total = 0;
      for (let i = 0; i < count; i++) {
        const [p, y] = [predictions[i]!, targets[i]!];
        total += elementLoss(loss, p, y);
        if (gradient) gradient[i] = elementGradient(loss, p, y) / count;
      }
      return { value: total / count, gradient };
    }
    case "categoricalCrossentropy":
    case "sparseCategoricalCrossentropy":
      return crossentropy(loss === "sparseCategoricalCrossentropy", outputShape, predictions, targets, gradient);
  }
}

function elementLoss(loss: "meanSquaredError" | "meanAbsoluteError" | "binaryCrossentropy", p: number, y: number): number {
  if (loss === "meanSquaredError") return (y - p) ** 2;
  if (loss === "meanAbsoluteError") return Math.abs(y - p);
  const q = clip(p);
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

function elementGradient(loss: "meanSquaredError" | "meanAbsoluteError" | "binaryCrossentropy", p: number, y: number): number {
  if (loss === "meanSquaredError") return 2 * (p - y);
  if (loss === "meanAbsoluteError") return Math.sign(p - y);
  if (isClipped(p)) return 0;
  return -(y / p - (1 - y) / (1 - p));
}

/**
 * Per last-axis vector: q = p / sum(p), clipped; -sum(y log q). Sparse targets are class ids (the
 * one-hot y). The gradient goes back through the clip (0 outside it) and the normalisation.
 */
function crossentropy(
  sparse: boolean,
  outputShape: readonly number[],
  predictions: Float64Array,
  targets: Float64Array,
  gradient: Float64Array | null,
): LossResult {
  const width = lastAxis(outputShape);
  const vectors = predictions.length / width;
  const y = (v: number, c: number) => (sparse ? (targets[v] === c ? 1 : 0) : targets[v * width + c]!);
  if (sparse) {
    targets.forEach((id, v) => {
      if (!(Number.isInteger(id) && id >= 0 && id < width)) {
        throw new Error(`sparseCategoricalCrossentropy: class id ${id} (target ${v}) is outside [0, ${width})`);
      }
    });
  }
  let total = 0;
  const dq = new Float64Array(width);
  for (let v = 0; v < vectors; v++) {
    const start = v * width;
    let sum = 0;
    for (let c = 0; c < width; c++) sum += predictions[start + c]!;
    let dot = 0;
    for (let c = 0; c < width; c++) {
      const q = predictions[start + c]! / sum;
      total -= y(v, c) * Math.log(clip(q));
      dq[c] = isClipped(q) ? 0 : -y(v, c) / q / vectors;
      dot += dq[c]! * q;
    }
    // q_c = p_c / s: dp_k = (dq_k - sum_c dq_c q_c) / s.
    if (gradient) for (let c = 0; c < width; c++) gradient[start + c] = (dq[c]! - dot) / sum;
  }
  return { value: total / vectors, gradient };
}
