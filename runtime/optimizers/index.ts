// createOptimizer: the optimiser a config names. One file per optimiser; optimizer.ts holds the
// interface and what they share (clipping, step count, state).

import type { OptimizerConfig } from "../../dsl/config/optimizers";
import { adagradOptimizer } from "./adagrad";
import { adamOptimizer } from "./adam";
import type { Optimizer } from "./optimizer";
import { rmspropOptimizer } from "./rmsprop";
import { sgdOptimizer } from "./sgd";
import type { OptimizerPath } from "./simd-optimizer";

export type { Optimizer } from "./optimizer";
export type { OptimizerPath } from "./simd-optimizer";

/**
 * The optimiser a config names, over the given weights (updated in place by apply): on WebAssembly
 * SIMD or in JavaScript, as `path` says (simd-optimizer.ts: "simd" computes in float32 and differs from
 * the JavaScript in the last bits, "simd-float64" is bit-identical to it).
 */
export function createOptimizer(config: OptimizerConfig, weights: readonly Float32Array[], path: OptimizerPath = "auto"): Optimizer {
  switch (config.name) {
    case "sgd":
      return sgdOptimizer(config, weights, path);
    case "adam":
      return adamOptimizer(config, weights, path);
    case "rmsprop":
      return rmspropOptimizer(config, weights, path);
    case "adagrad":
      return adagradOptimizer(config, weights, path);
  }
}
