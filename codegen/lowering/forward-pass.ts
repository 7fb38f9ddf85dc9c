// Forward: each node's rule lowers it, in graph order; a fused group is lowered once, by its head.

import { bind, isComputed } from "../ops/registry";
import type { Mode, Step } from "./common";
import type { Lowering } from "./plan";

export class ForwardPass {
  constructor(
    private readonly l: Lowering,
    private readonly mode: Mode,
  ) {}

  steps(): Step[] {
    const steps: Step[] = [];
    for (const node of this.l.ir.nodes) {
      if (!isComputed(node)) continue;
      const group = this.l.group(node.id);
      if (group && group.head !== node) continue;
      const { rule, op } = bind(node);
      const step = rule.forward?.(op, this.l, this.mode) ?? null;
      if (step) steps.push(step);
    }
    return steps;
  }
}
