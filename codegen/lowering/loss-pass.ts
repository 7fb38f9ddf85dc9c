// The loss: its value (with the weight penalties) and the gradient that seeds backward, fused with
// a softmax or sigmoid output into p - y.

import { product, UnsupportedError, type Step } from "./common";
import type { Lowering } from "./lowering";

export class LossPass {
  constructor(private readonly l: Lowering) {}

  /** Body of loss(bufs, batch): the mean batch loss plus the weight penalties. */
  body(): string[] {
    const loss = this.l.ir.training?.loss;
    if (!loss)
      throw new UnsupportedError("the model is not compiled (no loss)");
    const p = this.l.value(this.l.outputId, "train");
    const size = this.l.size(this.l.outputId);
    const width = this.l.lastDim(this.l.outputId);
    const lines = [`let total = 0;`];
    const clip = (v: string) => `Math.min(Math.max(${v}, 1e-7), 1 - 1e-7)`;
    switch (loss) {
      case "meanSquaredError":
        lines.push(
          `for (let i = 0; i < batch * ${size}; i++) { const d = ${p}[i] - target[i]; total += d * d; }`,
          `total /= batch * ${size};`,
        );
        break;
      case "meanAbsoluteError":
        lines.push(
          `for (let i = 0; i < batch * ${size}; i++) total += Math.abs(${p}[i] - target[i]);`,
          `total /= batch * ${size};`,
        );
        break;
      case "binaryCrossentropy":
        lines.push(
          `for (let i = 0; i < batch * ${size}; i++) {`,
          `const q = ${clip(`${p}[i]`)};`,
          `total -= target[i] * Math.log(q) + (1 - target[i]) * Math.log(1 - q);`,
          `}`,
          `total /= batch * ${size};`,
        );
        break;
      case "categoricalCrossentropy":
        lines.push(
          `for (let r = 0; r < batch * ${size / width}; r++) {`,
          `let rowSum = 0;`,
          `for (let j = 0; j < ${width}; j++) rowSum += ${p}[r * ${width} + j];`,
          `for (let j = 0; j < ${width}; j++) total -= target[r * ${width} + j] * Math.log(${clip(`${p}[r * ${width} + j] / rowSum`)});`,
          `}`,
          `total /= batch * ${size / width};`,
        );
        break;
      case "sparseCategoricalCrossentropy":
        lines.push(
          `for (let r = 0; r < batch * ${size / width}; r++) {`,
          `let rowSum = 0;`,
          `for (let j = 0; j < ${width}; j++) rowSum += ${p}[r * ${width} + j];`,
          `total -= Math.log(${clip(`${p}[r * ${width} + target[r]] / rowSum`)});`,
          `}`,
          `total /= batch * ${size / width};`,
        );
        break;
    }
    lines.push(...this.penaltyLines(), `return total;`);
    return lines;
  }

  private penaltyLines(): string[] {
    const lines: string[] = [];
    for (const p of this.l.ir.params) {
      if (!p.regularizer || !(p.regularizer.l1 || p.regularizer.l2)) continue;
      const terms = [
        p.regularizer.l1 ? `${p.regularizer.l1} * Math.abs(w)` : "",
        p.regularizer.l2 ? `${p.regularizer.l2} * w * w` : "",
      ].filter(Boolean);
      lines.push(
        `for (let i = 0; i < ${product(p.shape)}; i++) { const w = ${p.name}[i]; total += ${terms.join(" + ")}; }`,
      );
    }
    return lines;
  }

  /** The gradient of the mean batch loss w.r.t. the output (or the fused pre-activation). */
  /** Writes the seed into `written`: backward counts it as the first write of that gradient. */
  seedStep(written: Set<string>): Step {
    const loss = this.l.ir.training!.loss;
    const p = this.l.value(this.l.outputId, "train");
    const size = this.l.size(this.l.outputId);
    const width = this.l.lastDim(this.l.outputId);
    const fused = this.l.fusedLossInput();
    const d = fused ? this.l.grad(fused.id) : this.l.grad(this.l.outputId);
    written.add(d);
    const body: string[] = [];
    const rows = `batch * ${size / width}`;
    if (fused && loss === "sparseCategoricalCrossentropy") {
      body.push(
        `const scale = 1 / (${rows});`,
        `for (let r = 0; r < ${rows}; r++) {`,
        `for (let j = 0; j < ${width}; j++) ${d}[r * ${width} + j] = ${p}[r * ${width} + j] * scale;`,
        `${d}[r * ${width} + target[r]] -= scale;`,
        `}`,
      );
    } else if (fused) {
      const count = loss === "binaryCrossentropy" ? `batch * ${size}` : rows;
      body.push(
        `const scale = 1 / (${count});`,
        `for (let i = 0; i < batch * ${size}; i++) ${d}[i] = (${p}[i] - target[i]) * scale;`,
      );
    } else {
      body.push(...this.unfusedSeed(loss, p, d, size, width));
    }
    const what = fused
      ? `d loss / d ${fused.id} = (p - y) / count, ${this.l.a.node(this.l.outputId).op} fused with ${loss}`
      : `d ${loss} / d ${this.l.outputId}`;
    return { name: "loss_gradient", comment: what, body };
  }

  private unfusedSeed(
    loss: string,
    p: string,
    d: string,
    size: number,
    width: number,
  ): string[] {
    const total = `batch * ${size}`;
    const inRange = (q: string) => `(${q} > 1e-7 && ${q} < 1 - 1e-7 ? 1 : 0)`;
    switch (loss) {
      case "meanSquaredError":
        return [
          `const scale = 2 / (${total});`,
          `for (let i = 0; i < ${total}; i++) ${d}[i] = (${p}[i] - target[i]) * scale;`,
        ];
      case "meanAbsoluteError":
        return [
          `const scale = 1 / (${total});`,
          `for (let i = 0; i < ${total}; i++) ${d}[i] = Math.sign(${p}[i] - target[i]) * scale;`,
        ];
      case "binaryCrossentropy":
        return [
          `const scale = 1 / (${total});`,
          `for (let i = 0; i < ${total}; i++) {`,
          `const q = ${p}[i], y = target[i];`,
          `${d}[i] = ${inRange("q")} * (-y / q + (1 - y) / (1 - q)) * scale;`,
          `}`,
        ];
      default: {
        const rows = `batch * ${size / width}`;
        const label = (j: string) =>
          loss === "sparseCategoricalCrossentropy"
            ? `(target[r] === ${j} ? 1 : 0)`
            : `target[r * ${width} + ${j}]`;
        // L = -sum_j y_j log(clip(p_j / S)); dL/dp_k = (g_k - sum_j g_j q_j) / S with g_j = -y_j / q_j inside the clip.
        return [
          `const scale = 1 / (${rows});`,
          `for (let r = 0; r < ${rows}; r++) {`,
          `const o = r * ${width};`,
          `let rowSum = 0;`,
          `for (let j = 0; j < ${width}; j++) rowSum += ${p}[o + j];`,
          `let dot = 0;`,
          `for (let j = 0; j < ${width}; j++) { const q = ${p}[o + j] / rowSum; const g = ${inRange("q")} * -${label("j")} / q; ${d}[o + j] = g; dot += g * q; }`,
          `for (let j = 0; j < ${width}; j++) ${d}[o + j] = ((${d}[o + j] - dot) / rowSum) * scale;`,
          `}`,
        ];
      }
    }
  }
}
