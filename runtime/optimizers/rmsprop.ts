// Keras 3 RMSprop (keras/src/optimizers/rmsprop.py): v = rho*v + (1-rho)*g^2; increment =
// lr*g/sqrt(v+eps), or centered lr*g/sqrt(v - mg^2 + eps) with mg = rho*mg + (1-rho)*g; with
// momentum, mom = momentum*mom + increment and w -= mom, else w -= increment.

import type { RmspropConfig } from "../../dsl/config/optimizers";
import { optimizerOf, zerosLike, type Optimizer } from "./optimizer";

export function rmspropOptimizer(config: RmspropConfig, weights: readonly Float32Array[]): Optimizer {
  const { learningRate: lr, rho, momentum: beta, epsilon, centered } = config;
  return optimizerOf("rmsprop", config, weights, (weights) => {
    const velocity = zerosLike(weights);
    const momentum = beta > 0 ? zerosLike(weights) : [];
    const averageGradient = centered ? zerosLike(weights) : [];
    return {
      // Keras creates the momentum and average_gradient slots only when they are used.
      slots: {
        velocity,
        ...(beta > 0 && { momentum }),
        ...(centered && { average_gradient: averageGradient }),
      },
      update(k, g) {
        const w = weights[k]!;
        const v = velocity[k]!;
        const mom = momentum[k];
        const mg = averageGradient[k];
        for (let i = 0; i < w.length; i++) {
          const gi = g[i]!;
          v[i] = rho * v[i]! + (1 - rho) * gi * gi;
          let denominator = v[i]! + epsilon;
          if (mg) {
            mg[i] = rho * mg[i]! + (1 - rho) * gi;
            denominator = v[i]! - mg[i]! * mg[i]! + epsilon;
          }
          const increment = (lr * gi) / Math.sqrt(denominator);
          if (mom) {
            mom[i] = beta * mom[i]! + increment;
            w[i]! -= mom[i]!;
          } else w[i]! -= increment;
        }
      },
    };
  });
}
