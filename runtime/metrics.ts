// Keras metrics over one batch, from the output and target buffers: the number of examples'
// worth of the metric, so epoch means weight every example equally.

import type { MetricKind } from "../dsl/config/metrics";

function argmax(values: ArrayLike<number>, from: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[from + j]! > values[from + best]!) best = j;
  return best;
}

/** The metric summed over the batch's rows (divide by the row count for the mean). */
export function metricSum(kind: MetricKind, output: Float32Array, target: Float32Array, batch: number, outputSize: number, width: number): { sum: number; count: number } {
  const elements = batch * outputSize;
  let sum = 0;
  switch (kind) {
    case "binaryAccuracy":
      for (let i = 0; i < elements; i++) sum += (output[i]! > 0.5 ? 1 : 0) === target[i] ? 1 : 0;
      return { sum, count: elements };
    case "categoricalAccuracy": {
      const rows = elements / width;
      for (let r = 0; r < rows; r++) sum += argmax(output, r * width, width) === argmax(target, r * width, width) ? 1 : 0;
      return { sum, count: rows };
    }
    case "sparseCategoricalAccuracy": {
      const rows = elements / width;
      for (let r = 0; r < rows; r++) sum += argmax(output, r * width, width) === target[r] ? 1 : 0;
      return { sum, count: rows };
    }
    case "meanSquaredError":
      for (let i = 0; i < elements; i++) sum += (output[i]! - target[i]!) ** 2;
      return { sum, count: elements };
    case "meanAbsoluteError":
      for (let i = 0; i < elements; i++) sum += Math.abs(output[i]! - target[i]!);
      return { sum, count: elements };
  }
}
