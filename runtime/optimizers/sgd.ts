// Keras 3 SGD (keras/src/optimizers/sgd.py): with momentum m, v = m*v - lr*g and w += v
// (nesterov: w += m*v - lr*g, with the new v); without momentum, w -= lr*g and no slot.

import type { SgdConfig } from "../../dsl/config/optimizers";
import { optimizerOf, zerosLike, type Optimizer, type Slots } from "./optimizer";
import { simdOptimizer, type KernelPlan, type OptimizerPath } from "./simd-optimizer";

export function sgdOptimizer(config: SgdConfig, weights: readonly Float32Array[], path: OptimizerPath): Optimizer {
  const { learningRate: lr, momentum: m, nesterov } = config;
  const kernelPlan: KernelPlan =
    m === 0 ? { rule: "sgd", slots: [], hyper: { lr } } : { rule: nesterov ? "sgdNesterov" : "sgdMomentum", slots: [["momentum", 0]], hyper: { momentum: m, lr } };
  const simd = simdOptimizer("sgd", config, weights, kernelPlan, path);
  if (simd) return simd;
  return optimizerOf("sgd", config, weights, (weights) => {
    const momentum = m !== 0 ? zerosLike(weights) : [];
    const slots: Slots = m !== 0 ? { momentum } : {};
    return {
      slots,
      update(k, g) {
        const w = weights[k]!;
        if (m === 0) return subtractScaled(w, g, lr);
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

/**
 * w -= lr·g, four elements per iteration: V8 does not vectorise, and the unrolled loop runs a third
 * faster on the few dozen weights of a small network (where this step is a sizeable part of training).
 */
function subtractScaled(w: Float32Array, g: Float32Array, lr: number): void {
  const n = w.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = w[i]! - lr * g[i]!;
    const b = w[i + 1]! - lr * g[i + 1]!;
    const c = w[i + 2]! - lr * g[i + 2]!;
    const d = w[i + 3]! - lr * g[i + 3]!;
    w[i] = a;
    w[i + 1] = b;
    w[i + 2] = c;
    w[i + 3] = d;
  }
  for (; i < n; i++) w[i]! -= lr * g[i]!;
}
