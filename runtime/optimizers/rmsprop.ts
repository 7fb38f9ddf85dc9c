// Keras 3 RMSprop (keras/src/optimizers/rmsprop.py): v = rho*v + (1-rho)*g^2; increment =
// lr*g/sqrt(v+eps), or centered lr*g/sqrt(v - mg^2 + eps) with mg = rho*mg + (1-rho)*g; with
// momentum, mom = momentum*mom + increment and w -= mom, else w -= increment.
//
// The plain form (no momentum, not centered: Keras' default) has a loop of its own: the general one,
// with its two optional slots tested per element, took about twice as long over an Embedding's
// hundreds of thousands of weights. Both compute the same floats (each slot rounded to float32 when
// stored, and read back as stored).

import type { RmspropConfig } from "../../dsl/config/optimizers";
import { optimizerOf, zerosLike, type Optimizer } from "./optimizer";
import { simdOptimizer, type KernelPlan, type OptimizerPath } from "./simd-optimizer";

export function rmspropOptimizer(config: RmspropConfig, weights: readonly Float32Array[], path: OptimizerPath): Optimizer {
  const { learningRate: lr, rho, momentum: beta, epsilon, centered } = config;
  const kernelPlan: KernelPlan = {
    rule: `rmsprop${centered ? "Centered" : ""}${beta > 0 ? "Momentum" : ""}`,
    slots: [["velocity", 0], beta > 0 ? ["momentum", 0] : null, centered ? ["average_gradient", 0] : null],
    hyper: { rho, oneMinusRho: 1 - rho, lr, epsilon, momentum: beta },
  };
  const simd = simdOptimizer("rmsprop", config, weights, kernelPlan, path);
  if (simd) return simd;
  // the hyperparameters pass to the loop in an array: a fractional number passed to a call is boxed
  const hyper = Float64Array.of(rho, lr, epsilon);
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
        if (!mom && !mg) return plainStep(w, v, g, hyper);
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

/** v = rho*v + (1-rho)*g^2; w -= lr*g/sqrt(v+eps), with hyper = [rho, lr, eps]. */
function plainStep(w: Float32Array, v: Float32Array, g: Float32Array, hyper: Float64Array): void {
  const rho = hyper[0]!;
  const lr = hyper[1]!;
  const epsilon = hyper[2]!;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const vi = Math.fround(rho * v[i]! + (1 - rho) * gi * gi);
    v[i] = vi;
    w[i]! -= (lr * gi) / Math.sqrt(vi + epsilon);
  }
}
