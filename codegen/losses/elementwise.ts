// Losses of one prediction and one target at a time, averaged over every output and the batch.

import { overBatch, perBatch } from "../lowering/literals";
import type { LossRule, LossShape } from "./rule";

export interface ElementwiseLoss {
  /** Lines adding the loss of element i (p[i] against target[i]) into `total`. */
  term(p: string): string[];
  /** A constant factor of the derivative, folded into `scale` = factor / count (2 for the squared error). */
  readonly scale: number;
  /** Lines ending in `g = ...`, the derivative of element i's loss times `scale`. */
  gradient(p: string): string[];
  /** The reference: one element's loss and its derivative by p. */
  f(p: number, y: number): number;
  df(p: number, y: number): number;
}

export function elementwiseLoss(loss: ElementwiseLoss, fused?: LossRule["fused"]): LossRule {
  const count = (s: LossShape) => perBatch(s.size);
  return {
    targetsPerExample: (size) => size,
    value: (s) => [`for (let i = 0; i < ${count(s)}; i++) {`, ...loss.term(s.p), `}`, `total /= ${count(s)};`],
    seed: (s, d) => [
      `const scale = ${overBatch(loss.scale, s.size)};`,
      `for (let i = 0; i < ${count(s)}; i++) {`,
      ...loss.gradient(s.p).map((line) => line.replace(/^g = /, `${d}[i] = `)),
      `}`,
    ],
    fused,
    reference(predictions, targets, _shape, gradient) {
      const n = predictions.length;
      let total = 0;
      for (let i = 0; i < n; i++) {
        total += loss.f(predictions[i]!, targets[i]!);
        if (gradient) gradient[i] = loss.df(predictions[i]!, targets[i]!) / n;
      }
      return total / n;
    },
  };
}
