// Keras 3 Adam (keras/src/optimizers/adam.py), the "epsilon hat" form: with t = iterations + 1,
// a = lr*sqrt(1-b2^t)/(1-b1^t); m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; w -= a*m/(sqrt(v)+eps).
//
// The loop is a function of its own, its constants in locals (read once from an array, as a
// fractional number passed to a call is boxed) rather than the closure's, for the hundreds of
// thousands of weights of an Embedding. Each slot is rounded to float32 when stored and used as stored.

import type { AdamConfig } from "../../dsl/config/optimizers";
import { optimizerOf, zerosLike, type Optimizer } from "./optimizer";
import { hyperIndex } from "./optimizer-kernel";
import { simdOptimizer, type OptimizerPath } from "./simd-optimizer";

const ALPHA = hyperIndex("adam", "alpha");

export function adamOptimizer(config: AdamConfig, weights: readonly Float32Array[], path: OptimizerPath): Optimizer {
  const { learningRate: lr, beta1, beta2, epsilon } = config;
  /** [a, b1, b2, eps], a set at each step. */
  const hyper = Float64Array.of(0, beta1, beta2, epsilon);
  const kernelPlan = {
    rule: "adam",
    slots: [["momentum", 0], ["velocity", 0]],
    hyper: { beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, epsilon },
    perStep(t: number, simdHyper: Float64Array) {
      simdHyper[ALPHA] = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    },
  } as const;
  const simd = simdOptimizer("adam", config, weights, kernelPlan, path);
  if (simd) return simd;
  return optimizerOf("adam", config, weights, (weights) => {
    const momentum = zerosLike(weights);
    const velocity = zerosLike(weights);
    return {
      slots: { momentum, velocity },
      update(k, g, t) {
        hyper[0] = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        adamStep(weights[k]!, momentum[k]!, velocity[k]!, g, hyper);
      },
    };
  });
}

/** m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; w -= a*m/(sqrt(v)+eps), with hyper = [a, b1, b2, eps]. */
function adamStep(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, hyper: Float64Array): void {
  const alpha = hyper[0]!;
  const beta1 = hyper[1]!;
  const beta2 = hyper[2]!;
  const epsilon = hyper[3]!;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = Math.fround(beta1 * m[i]! + (1 - beta1) * gi);
    const vi = Math.fround(beta2 * v[i]! + (1 - beta2) * gi * gi);
    m[i] = mi;
    v[i] = vi;
    w[i]! -= (alpha * mi) / (Math.sqrt(vi) + epsilon);
  }
}
