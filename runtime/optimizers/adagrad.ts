// Keras 3 Adagrad (keras/src/optimizers/adagrad.py): the accumulator starts at
// initialAccumulatorValue; acc += g^2; w -= lr*g/sqrt(acc+eps).

import type { AdagradConfig } from "../../dsl/config/optimizers";
import { optimizerOf, zerosLike, type Optimizer } from "./optimizer";
import { simdOptimizer, type OptimizerPath } from "./simd-optimizer";

export function adagradOptimizer(config: AdagradConfig, weights: readonly Float32Array[], path: OptimizerPath): Optimizer {
  const { learningRate: lr, initialAccumulatorValue, epsilon } = config;
  const simd = simdOptimizer("adagrad", config, weights, { rule: "adagrad", slots: [["accumulator", initialAccumulatorValue]], hyper: { lr, epsilon } }, path);
  if (simd) return simd;
  return optimizerOf("adagrad", config, weights, (weights) => {
    const accumulator = zerosLike(weights, initialAccumulatorValue);
    return {
      slots: { accumulator },
      update(k, g) {
        const w = weights[k]!;
        const acc = accumulator[k]!;
        for (let i = 0; i < w.length; i++) {
          const gi = g[i]!;
          acc[i]! += gi * gi;
          w[i]! -= (lr * gi) / Math.sqrt(acc[i]! + epsilon);
        }
      },
    };
  });
}
