// An independent float64 reference of the optimisers, written from the published update rules
// (DESIGN.md section 3, keras/src/optimizers/*.py), for the optimiser tests and the float64
// reference runs of the examples.

import type { OptimizerConfig } from "../../dsl/config/optimizers";

type Vec = number[];

export interface Reference {
  readonly weights: Vec[];
  /** Slot values by the runtime's state names ("momentum/0", ...). */
  readonly slots: Map<string, Vec>;
  step(grads: readonly Vec[]): void;
}

function clipReference(g: Vec, config: OptimizerConfig): Vec {
  if (config.clipnorm !== undefined) {
    const c = config.clipnorm;
    const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
    return g.map((x) => (x * c) / Math.max(norm, c));
  }
  if (config.clipvalue !== undefined) {
    const c = config.clipvalue;
    return g.map((x) => Math.min(c, Math.max(-c, x)));
  }
  return g;
}

export function reference(config: OptimizerConfig, initial: readonly Vec[]): Reference {
  const weights = initial.map((w) => [...w]);
  const slots = new Map<string, Vec>();
  const slot = (name: string, k: number, fill = 0): Vec => {
    const key = `${name}/${k}`;
    if (!slots.has(key)) slots.set(key, new Array<number>(weights[k]!.length).fill(fill));
    return slots.get(key)!;
  };
  let t = 0;
  const rules: Record<OptimizerConfig["name"], (w: Vec, g: Vec, k: number) => void> = {
    sgd(w, g, k) {
      if (config.name !== "sgd") return;
      const { learningRate: lr, momentum: m, nesterov } = config;
      if (m === 0) return g.forEach((gi, i) => (w[i]! -= lr * gi));
      const v = slot("momentum", k);
      g.forEach((gi, i) => {
        v[i] = m * v[i]! - lr * gi;
        w[i]! += nesterov ? m * v[i]! - lr * gi : v[i]!;
      });
    },
    adam(w, g, k) {
      if (config.name !== "adam") return;
      const { learningRate: lr, beta1: b1, beta2: b2, epsilon } = config;
      const [m, v] = [slot("momentum", k), slot("velocity", k)];
      const a = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      g.forEach((gi, i) => {
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        w[i]! -= (a * m[i]!) / (Math.sqrt(v[i]!) + epsilon);
      });
    },
    rmsprop(w, g, k) {
      if (config.name !== "rmsprop") return;
      const { learningRate: lr, rho, momentum, epsilon, centered } = config;
      const v = slot("velocity", k);
      g.forEach((gi, i) => {
        v[i] = rho * v[i]! + (1 - rho) * gi * gi;
        let denominator = v[i]! + epsilon;
        if (centered) {
          const mg = slot("average_gradient", k);
          mg[i] = rho * mg[i]! + (1 - rho) * gi;
          denominator = v[i]! - mg[i]! ** 2 + epsilon;
        }
        const increment = (lr * gi) / Math.sqrt(denominator);
        if (momentum > 0) {
          const mom = slot("momentum", k);
          mom[i] = momentum * mom[i]! + increment;
          w[i]! -= mom[i]!;
        } else w[i]! -= increment;
      });
    },
    adagrad(w, g, k) {
      if (config.name !== "adagrad") return;
      const { learningRate: lr, initialAccumulatorValue, epsilon } = config;
      const acc = slot("accumulator", k, initialAccumulatorValue);
      g.forEach((gi, i) => {
        acc[i]! += gi * gi;
        w[i]! -= (lr * gi) / Math.sqrt(acc[i]! + epsilon);
      });
    },
  };
  return {
    weights,
    slots,
    step(grads) {
      t++;
      grads.forEach((g, k) => rules[config.name](weights[k]!, clipReference(g, config), k));
    },
  };
}
