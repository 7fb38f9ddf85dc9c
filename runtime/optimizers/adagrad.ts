import type { AdagradConfig } from "../../dsl/config/optimizers";
import { clip, restoreSlots, slotState, type Optimizer } from "./optimizer";

/** Keras Adagrad: acc starts at initialAccumulatorValue; acc += g^2; w -= lr*g/sqrt(acc+eps). */
export function adagradOptimizer(config: AdagradConfig, weights: readonly Float32Array[]): Optimizer {
  const { learningRate: lr, initialAccumulatorValue, epsilon } = config;
  const accumulator = weights.map((w) => new Float32Array(w.length).fill(initialAccumulatorValue));
  let iterations = 0;
  return {
    get iterations() {
      return iterations;
    },
    apply(grads) {
      grads.forEach((g, k) => {
        clip(g, config);
        const [w, acc] = [weights[k]!, accumulator[k]!];
        for (let i = 0; i < w.length; i++) {
          acc[i]! += g[i]! * g[i]!;
          w[i]! -= (lr * g[i]!) / Math.sqrt(acc[i]! + epsilon);
        }
      });
      iterations++;
    },
    getState: () => slotState({ accumulator }, iterations),
    setState: (state) => void (iterations = restoreSlots({ accumulator }, state)),
  };
}
