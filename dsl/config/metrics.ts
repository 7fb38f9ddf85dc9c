import type { LossName } from "./losses";

export type MetricKind =
  | "binaryAccuracy"
  | "categoricalAccuracy"
  | "sparseCategoricalAccuracy"
  | "meanSquaredError"
  | "meanAbsoluteError";

export type MetricArg = "accuracy" | "acc" | MetricKind | "mse" | "mae";

export interface MetricConfig {
  /** The name as the user wrote it: the key in History and the progress line. */
  readonly name: string;
  readonly kind: MetricKind;
}

const DIRECT: Readonly<Record<string, MetricKind>> = {
  binaryAccuracy: "binaryAccuracy",
  categoricalAccuracy: "categoricalAccuracy",
  sparseCategoricalAccuracy: "sparseCategoricalAccuracy",
  meanSquaredError: "meanSquaredError",
  mse: "meanSquaredError",
  meanAbsoluteError: "meanAbsoluteError",
  mae: "meanAbsoluteError",
};

/** "accuracy" means what Keras makes of it: it follows the loss and the output width. */
function accuracyFor(loss: LossName, outputWidth: number): MetricKind {
  if (loss === "sparseCategoricalCrossentropy") return "sparseCategoricalAccuracy";
  if (loss === "categoricalCrossentropy") return "categoricalAccuracy";
  if (loss === "binaryCrossentropy" || outputWidth === 1) return "binaryAccuracy";
  return "categoricalAccuracy";
}

export function resolveMetric(arg: MetricArg, loss: LossName, outputWidth: number): MetricConfig {
  if (arg === "accuracy" || arg === "acc") return { name: arg, kind: accuracyFor(loss, outputWidth) };
  const kind = DIRECT[arg];
  if (!kind) {
    const known = ["accuracy", "acc", ...Object.keys(DIRECT)].join(", ");
    throw new Error(`compile: unknown metric ${JSON.stringify(arg)}; expected one of ${known}`);
  }
  return { name: arg, kind };
}
