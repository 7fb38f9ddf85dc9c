import type { RmspropConfig } from "../../dsl/config/optimizers";
import { clip, restoreSlots, slotState, type Optimizer } from "./optimizer";

/**
 * Keras RMSprop: v = rho*v + (1-rho)*g^2; step = lr*g/sqrt(v+eps) (centered: v - mg^2 with
 * mg = rho*mg + (1-rho)*g); with momentum, mom = momentum*mom + step and w -= mom, else w -= step.
 */
export function rmspropOptimizer(config: RmspropConfig, weights: readonly Float32Array[]): Optimizer {
  const { learningRate: lr, rho, momentum, epsilon, centered } = config;
  const velocity = weights.map((w) => new Float32Array(w.length));
  const average = weights.map((w) => new Float32Array(centered ? w.length : 0));
  const moment = weights.map((w) => new Float32Array(momentum > 0 ? w.length : 0));
  let iterations = 0;
  const slots = () => ({ velocity, ...(centered && { average_gradient: average }), ...(momentum > 0 && { momentum: moment }) });
  return {
    get iterations() {
      return iterations;
    },
    apply(grads) {
      grads.forEach((g, k) => {
        clip(g, config);
        const [w, v, mg, mom] = [weights[k]!, velocity[k]!, average[k]!, moment[k]!];
        for (let i = 0; i < w.length; i++) {
          v[i] = rho * v[i]! + (1 - rho) * g[i]! * g[i]!;
          let denominator = v[i]!;
          if (centered) {
            mg[i] = rho * mg[i]! + (1 - rho) * g[i]!;
            denominator -= mg[i]! * mg[i]!;
          }
          const increment = (lr * g[i]!) / Math.sqrt(denominator + epsilon);
          if (momentum > 0) {
            mom[i] = momentum * mom[i]! + increment;
            w[i]! -= mom[i]!;
          } else w[i]! -= increment;
        }
      });
      iterations++;
    },
    getState: () => slotState(slots(), iterations),
    setState: (state) => void (iterations = restoreSlots(slots(), state)),
  };
}
