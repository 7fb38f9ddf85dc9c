import type { AdamConfig } from "../../dsl/config/optimizers";
import { clip, restoreSlots, slotState, type Optimizer } from "./optimizer";

/** Keras Adam ("epsilon hat"): a = lr*sqrt(1-b2^t)/(1-b1^t); w -= a*m/(sqrt(v)+eps). */
export function adamOptimizer(config: AdamConfig, weights: readonly Float32Array[]): Optimizer {
  const { learningRate: lr, beta1, beta2, epsilon } = config;
  const momentum = weights.map((w) => new Float32Array(w.length));
  const velocity = weights.map((w) => new Float32Array(w.length));
  let iterations = 0;
  return {
    get iterations() {
      return iterations;
    },
    apply(grads) {
      const t = iterations + 1;
      const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      grads.forEach((g, k) => {
        clip(g, config);
        const [w, m, v] = [weights[k]!, momentum[k]!, velocity[k]!];
        for (let i = 0; i < w.length; i++) {
          m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
          v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
          w[i]! -= (alpha * m[i]!) / (Math.sqrt(v[i]!) + epsilon);
        }
      });
      iterations = t;
    },
    getState: () => slotState({ momentum, velocity }, iterations),
    setState: (state) => void (iterations = restoreSlots({ momentum, velocity }, state)),
  };
}
