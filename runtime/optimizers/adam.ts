// Keras 3 Adam (keras/src/optimizers/adam.py), the "epsilon hat" form: with t = iterations + 1,
// a = lr*sqrt(1-b2^t)/(1-b1^t); m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; w -= a*m/(sqrt(v)+eps).

import type { AdamConfig } from "../../dsl/config/optimizers";
import { optimizerOf, zerosLike, type Optimizer } from "./optimizer";

export function adamOptimizer(config: AdamConfig, weights: readonly Float32Array[]): Optimizer {
  const { learningRate: lr, beta1, beta2, epsilon } = config;
  return optimizerOf("adam", config, weights, (weights) => {
    const momentum = zerosLike(weights);
    const velocity = zerosLike(weights);
    return {
      slots: { momentum, velocity },
      update(k, g, t) {
        const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        const w = weights[k]!;
        const m = momentum[k]!;
        const v = velocity[k]!;
        const [b1, b2, c1, c2, eps, n] = [beta1, beta2, 1 - beta1, 1 - beta2, epsilon, w.length];
        for (let i = 0; i < n; i++) {
          const gi = g[i]!;
          // the slots are float32: m and v are rounded as they are stored, and used as stored
          const mi = Math.fround(b1 * m[i]! + c1 * gi);
          const vi = Math.fround(b2 * v[i]! + c2 * gi * gi);
          m[i] = mi;
          v[i] = vi;
          w[i] = w[i]! - (alpha * mi) / (Math.sqrt(vi) + eps);
        }
      },
    };
  });
}
