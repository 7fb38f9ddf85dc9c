import { resolveLoss, type LossArg } from "../config/losses";
import { resolveMetric, type MetricArg } from "../config/metrics";
import { resolveOptimizer, type OptimizerArg } from "../config/optimizers";
import type { IRTraining } from "../ir";
import { lastDim } from "../shapes";
import type { AnyTensor } from "../tensor";

export interface CompileConfig {
  loss: LossArg;
  /** Defaults to "rmsprop", as Keras' compile. */
  optimizer?: OptimizerArg;
  metrics?: readonly MetricArg[];
  /** Seeds initialisation, dropout masks and shuffling: the same seed gives bit-identical training. */
  seed?: number;
}

export function resolveTraining(config: CompileConfig, output: AnyTensor): IRTraining {
  if (config === null || typeof config !== "object") throw new Error("compile: expects { loss, optimizer, metrics }");
  const loss = resolveLoss(config.loss);
  if (output.dtype !== "float32") throw new Error("compile: the model's output must be float32");
  if (config.metrics !== undefined && !Array.isArray(config.metrics)) throw new Error("compile: metrics must be a list, e.g. [\"accuracy\"]");
  const width = output.shape.length === 0 ? 1 : lastDim(output.shape);
  return {
    loss,
    optimizer: resolveOptimizer(config.optimizer ?? "rmsprop"),
    metrics: (config.metrics ?? []).map((m) => resolveMetric(m, loss, width)),
  };
}

export function resolveSeed(seed: number | undefined, fallback: number): number {
  if (seed === undefined) return fallback;
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) throw new Error(`compile: seed must be an integer in [0, 2^32), got ${seed}`);
  return seed;
}
