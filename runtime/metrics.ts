// Keras metrics over one batch, from the output and target buffers. Sums and counts accumulate
// into a Float64Array, so epoch means weight every example equally and nothing is allocated in the
// training step. With the output's padding mask, padded positions are left out of both (Keras uses
// the mask as the sample weight): the mean over the unpadded vectors of the epoch.

import type { MetricKind } from "../dsl/config/metrics";

function argmax(values: ArrayLike<number>, from: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[from + j]! > values[from + best]!) best = j;
  return best;
}

/** Which way each metric improves (Keras' metric _direction): accuracies rise, errors fall. */
export const METRIC_DIRECTION: Readonly<Record<MetricKind, "up" | "down">> = {
  binaryAccuracy: "up",
  categoricalAccuracy: "up",
  sparseCategoricalAccuracy: "up",
  meanSquaredError: "down",
  meanAbsoluteError: "down",
};

/** The metric's sum over the elements of vector r (`width` outputs from r * width), and how many values that is. */
function vectorSum(kind: MetricKind, output: Float32Array, target: Float32Array, r: number, width: number): number {
  const from = r * width;
  let sum = 0;
  switch (kind) {
    case "binaryAccuracy":
      for (let i = from; i < from + width; i++) sum += (output[i]! > 0.5 ? 1 : 0) === target[i] ? 1 : 0;
      return sum;
    case "categoricalAccuracy":
      return argmax(output, from, width) === argmax(target, from, width) ? 1 : 0;
    case "sparseCategoricalAccuracy":
      return argmax(output, from, width) === target[r] ? 1 : 0;
    case "meanSquaredError":
      for (let i = from; i < from + width; i++) sum += (output[i]! - target[i]!) ** 2;
      return sum;
    case "meanAbsoluteError":
      for (let i = from; i < from + width; i++) sum += Math.abs(output[i]! - target[i]!);
      return sum;
  }
}

/** Values per vector: one for the accuracies over classes, one per element for the others. */
const valuesPerVector = (kind: MetricKind, width: number) => (kind === "categoricalAccuracy" || kind === "sparseCategoricalAccuracy" ? 1 : width);

/**
 * Adds the metric's sum over the batch to into[2 * slot] and the number of values to
 * into[2 * slot + 1]; with a mask (one number per output vector, 0 for padding), over the unpadded
 * vectors only.
 */
export function accumulateMetric(
  kind: MetricKind,
  output: Float32Array,
  target: Float32Array,
  batch: number,
  outputSize: number,
  width: number,
  into: Float64Array,
  slot: number,
  mask?: Float32Array,
): void {
  const rows = (batch * outputSize) / width;
  let sum = 0;
  let counted = 0;
  for (let r = 0; r < rows; r++) {
    if (mask && mask[r] === 0) continue;
    sum += vectorSum(kind, output, target, r, width);
    counted++;
  }
  into[2 * slot]! += sum;
  into[2 * slot + 1]! += counted * valuesPerVector(kind, width);
}

/** The means of accumulated metrics (0 for one that counted nothing, every position padding: Keras' divide_no_nan). */
export function metricMeans(sums: Float64Array): number[] {
  const means: number[] = [];
  for (let i = 0; i < sums.length; i += 2) means.push(sums[i + 1]! > 0 ? sums[i]! / sums[i + 1]! : 0);
  return means;
}
