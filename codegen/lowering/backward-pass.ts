// Backward: reverse-mode gradients derived at generation time, each node's by its rule, in reverse
// graph order. Each gradient buffer is written with "=" by its first contribution and "+=" by the
// rest; a fused group is differentiated once, by its head, where its output's gradient is complete.

import { bind, isComputed } from "../ops/registry";
import type { BackwardContext } from "../ops/rule";
import { product, type Step } from "./common";
import { LossPass } from "./loss-pass";
import type { Lowering } from "./plan";

export class BackwardPass {
  private readonly written = new Set<string>();
  private readonly ctx: BackwardContext;

  constructor(private readonly l: Lowering) {
    // The plan's own methods, plus assign.
    this.ctx = Object.assign(Object.create(l) as Lowering, { assign: (buffer: string) => this.assign(buffer) });
  }

  /** "=" for the first write of a gradient buffer, "+=" after. */
  private assign(buffer: string): "=" | "+=" {
    if (this.written.has(buffer)) return "+=";
    this.written.add(buffer);
    return "=";
  }

  steps(): Step[] {
    const steps: Step[] = this.l.needsGrad(this.l.outputId) ? [new LossPass(this.l).seedStep(this.written)] : [];
    const fusedOutput = this.l.fusedLossInput() !== null ? this.l.outputId : null;
    for (const node of [...this.l.ir.nodes].reverse()) {
      if (!isComputed(node) || !this.l.needsGrad(node.id)) continue;
      const group = this.l.group(node.id);
      if (group && group.output !== node) continue;
      if (!group && node.id === fusedOutput) continue;
      const { rule, op } = bind(group?.head ?? node);
      const step = rule.backward?.(op, this.ctx) ?? null;
      if (step) steps.push(step);
    }
    steps.push(...this.penaltyGradient());
    return steps;
  }

  /** d/dw of l1*|w| + l2*w^2, added to the gradients; untouched weight gradients are zeroed. */
  private penaltyGradient(): Step[] {
    const body: string[] = [];
    for (const p of this.l.ir.params) {
      if (!p.trainable) continue;
      const d = `d_${p.name}`;
      if (!this.written.has(d)) body.push(`for (let i = 0; i < ${product(p.shape)}; i++) ${d}[i] = 0;`);
      const r = p.regularizer;
      if (!r || !(r.l1 || r.l2)) continue;
      const terms = [r.l1 ? `${r.l1} * Math.sign(w)` : "", r.l2 ? `${2 * r.l2} * w` : ""].filter(Boolean);
      body.push(`for (let i = 0; i < ${product(p.shape)}; i++) { const w = ${p.name}[i]; ${d}[i] += ${terms.join(" + ")}; }`);
    }
    return body.length ? [{ name: "penalty_gradient", comment: "weight penalties (L1, L2) and weights without a gradient path", body }] : [];
  }
}
