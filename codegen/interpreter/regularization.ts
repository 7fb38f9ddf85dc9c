// Weight penalties, as Keras: l1 * sum|w| + l2 * sum w^2 for each weight with a regularizer, added
// once to the batch's mean loss. Keras 3 (Layer._get_regularization_losses) counts the trainable
// weights only, so a frozen weight adds nothing.

import type { GraphIR, IRParam } from "../../dsl/ir";

function regularized(ir: GraphIR): IRParam[] {
  return ir.params.filter((p) => p.trainable && p.regularizer !== null && (p.regularizer.l1 !== 0 || p.regularizer.l2 !== 0));
}

function valueOf(params: ReadonlyMap<string, Float64Array>, name: string): Float64Array {
  const w = params.get(name);
  if (!w) throw new Error(`regularization: no value for weight "${name}"`);
  return w;
}

export function regularizationPenalty(ir: GraphIR, params: ReadonlyMap<string, Float64Array>): number {
  let penalty = 0;
  for (const p of regularized(ir)) {
    const { l1, l2 } = p.regularizer!;
    for (const w of valueOf(params, p.name)) penalty += l1 * Math.abs(w) + l2 * w * w;
  }
  return penalty;
}

/** grads[name] += l1 * sign(w) + 2 * l2 * w (sign(0) = 0, as TensorFlow's abs gradient). */
export function addRegularizationGradients(ir: GraphIR, params: ReadonlyMap<string, Float64Array>, grads: Map<string, Float64Array>): void {
  for (const p of regularized(ir)) {
    const { l1, l2 } = p.regularizer!;
    const w = valueOf(params, p.name);
    const g = grads.get(p.name)!;
    for (let i = 0; i < w.length; i++) g[i]! += l1 * Math.sign(w[i]!) + 2 * l2 * w[i]!;
  }
}
