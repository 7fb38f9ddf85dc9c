// Keras 3 SGD (keras/src/optimizers/sgd.py): with momentum m, v = m*v - lr*g and w += v
// (nesterov: w += m*v - lr*g, with the new v); without momentum, w -= lr*g and no slot.

import type { SgdConfig } from "../../dsl/config/optimizers";
import { optimizerOf, zerosLike, type Optimizer, type Slots } from "./optimizer";

export function sgdOptimizer(config: SgdConfig, weights: readonly Float32Array[]): Optimizer {
  const { learningRate: lr, momentum: m, nesterov } = config;
  return optimizerOf("sgd", config, weights, (weights) => {
    const momentum = m !== 0 ? zerosLike(weights) : [];
    const slots: Slots = m !== 0 ? { momentum } : {};
    return {
      slots,
      update(k, g) {
        const w = weights[k]!;
        if (m === 0) {
          for (let i = 0; i < w.length; i++) w[i]! -= lr * g[i]!;
          return;
        }
        const v = momentum[k]!;
        for (let i = 0; i < w.length; i++) {
          const gi = g[i]!;
          v[i] = m * v[i]! - lr * gi;
          w[i]! += nesterov ? m * v[i]! - lr * gi : v[i]!;
        }
      },
    };
  });
}
