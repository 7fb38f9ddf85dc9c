import type { SgdConfig } from "../../dsl/config/optimizers";
import { clip, restoreSlots, slotState, type Optimizer } from "./optimizer";

/** Keras SGD: v = m*v - lr*g; w += v (nesterov: w += m*v - lr*g); without momentum w -= lr*g. */
export function sgdOptimizer(config: SgdConfig, weights: readonly Float32Array[]): Optimizer {
  const { learningRate: lr, momentum: m, nesterov } = config;
  const velocity = weights.map((w) => new Float32Array(w.length));
  let iterations = 0;
  return {
    get iterations() {
      return iterations;
    },
    apply(grads) {
      grads.forEach((g, k) => {
        clip(g, config);
        const w = weights[k]!;
        const v = velocity[k]!;
        if (m === 0) {
          for (let i = 0; i < w.length; i++) w[i]! -= lr * g[i]!;
          return;
        }
        for (let i = 0; i < w.length; i++) {
          v[i] = m * v[i]! - lr * g[i]!;
          w[i]! += nesterov ? m * v[i]! - lr * g[i]! : v[i]!;
        }
      });
      iterations++;
    },
    getState: () => slotState({ velocity }, iterations),
    setState: (state) => void (iterations = restoreSlots({ velocity }, state)),
  };
}
