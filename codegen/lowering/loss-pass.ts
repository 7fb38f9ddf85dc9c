// The loss: its value (with the weight penalties) and the gradient that seeds backward, each from
// the compiled loss's rule; fused with the output op before it (softmax, sigmoid) into p - y.

import { LOSS_RULES } from "../losses/registry";
import { product, UnsupportedError, type Step } from "./common";
import type { Lowering } from "./plan";

export class LossPass {
  constructor(private readonly l: Lowering) {}

  private get rule() {
    const loss = this.l.ir.training?.loss;
    if (!loss) throw new UnsupportedError("the model is not compiled (no loss)");
    return LOSS_RULES[loss];
  }

  /** Body of loss(bufs, batch): the mean batch loss plus the weight penalties. */
  body(): string[] {
    const shape = this.l.lossShape(this.l.value(this.l.outputId, "train"));
    return [`let total = 0;`, ...this.rule.value(shape), ...this.penaltyLines(), `return total;`];
  }

  private penaltyLines(): string[] {
    const lines: string[] = [];
    for (const p of this.l.ir.params) {
      if (!p.regularizer || !(p.regularizer.l1 || p.regularizer.l2)) continue;
      const terms = [p.regularizer.l1 ? `${p.regularizer.l1} * Math.abs(w)` : "", p.regularizer.l2 ? `${p.regularizer.l2} * w * w` : ""].filter(Boolean);
      lines.push(`for (let i = 0; i < ${product(p.shape)}; i++) { const w = ${p.name}[i]; total += ${terms.join(" + ")}; }`);
    }
    return lines;
  }

  /** The gradient of the mean batch loss w.r.t. the output (or the fused output op's input); backward counts it as that buffer's first write. */
  seedStep(written: Set<string>): Step {
    const loss = this.l.ir.training!.loss;
    const shape = this.l.lossShape(this.l.value(this.l.outputId, "train"));
    const fusedInput = this.l.fusedLossInput();
    const d = this.l.grad(fusedInput?.id ?? this.l.outputId);
    written.add(d);
    const fused = fusedInput ? this.rule.fused! : null;
    const body = fused ? fused.seed(shape, d) : this.rule.seed(shape, d);
    const comment = fused
      ? `${d} = ${fused.formula}: d ${loss} / d ${this.l.value(fusedInput!.id, "train")}, ${fused.outputOp} fused with ${loss}`
      : `${d} = d ${loss} / d ${shape.p}`;
    return { name: "loss_gradient", comment, body };
  }
}
