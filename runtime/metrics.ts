// Keras metrics over one batch, from the output and target buffers. Sums and counts accumulate
// into a Float64Array, so epoch means weight every example equally and nothing is allocated in the
// training step.

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

/** Adds the metric's sum over the batch to into[2 * slot] and the number of values to into[2 * slot + 1]. */
export function accumulateMetric(
  kind: MetricKind,
  output: Float32Array,
  target: Float32Array,
  batch: number,
  outputSize: number,
  width: number,
  into: Float64Array,
  slot: number,
): void {
  const elements = batch * outputSize;
  const rows = elements / width;
  let sum = 0;
  let count = elements;
  switch (kind) {
    case "binaryAccuracy":
      for (let i = 0; i < elements; i++) sum += (output[i]! > 0.5 ? 1 : 0) === target[i] ? 1 : 0;
      break;
    case "categoricalAccuracy":
      for (let r = 0; r < rows; r++) sum += argmax(output, r * width, width) === argmax(target, r * width, width) ? 1 : 0;
      count = rows;
      break;
    case "sparseCategoricalAccuracy":
      for (let r = 0; r < rows; r++) sum += argmax(output, r * width, width) === target[r] ? 1 : 0;
      count = rows;
      break;
    case "meanSquaredError":
      for (let i = 0; i < elements; i++) sum += (output[i]! - target[i]!) ** 2;
      break;
    case "meanAbsoluteError":
      for (let i = 0; i < elements; i++) sum += Math.abs(output[i]! - target[i]!);
      break;
  }
  into[2 * slot]! += sum;
  into[2 * slot + 1]! += count;
}

/** The means of accumulated metrics. */
export function metricMeans(sums: Float64Array): number[] {
  const means: number[] = [];
  for (let i = 0; i < sums.length; i += 2) means.push(sums[i]! / sums[i + 1]!);
  return means;
}
