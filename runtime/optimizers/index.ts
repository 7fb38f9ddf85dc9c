// createOptimizer: the optimiser a config names. One file per optimiser; optimizer.ts holds the
// interface and what they share (clipping, step count, state).

import type { OptimizerConfig } from "../../dsl/config/optimizers";
import { adagradOptimizer } from "./adagrad";
import { adamOptimizer } from "./adam";
import type { Optimizer } from "./optimizer";
import { rmspropOptimizer } from "./rmsprop";
import { sgdOptimizer } from "./sgd";

export type { Optimizer } from "./optimizer";

/** The optimiser a config names, over the given weights (updated in place by apply). */
export function createOptimizer(config: OptimizerConfig, weights: readonly Float32Array[]): Optimizer {
  switch (config.name) {
    case "sgd":
      return sgdOptimizer(config, weights);
    case "adam":
      return adamOptimizer(config, weights);
    case "rmsprop":
      return rmspropOptimizer(config, weights);
    case "adagrad":
      return adagradOptimizer(config, weights);
  }
}
