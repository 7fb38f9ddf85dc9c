// Losses of one prediction and one target at a time, averaged over every output and the batch
// (over the elements of the unpadded vectors when the output carries a mask).

import { lastAxis } from "../interpreter/tensor";
import { overBatch, perBatch } from "../lowering/literals";
import { maskedMean, maskedSeed, vectorWeights, type LossRule, type LossShape } from "./rule";

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

/** Lines over the elements i of vector r. */
const overVector = (s: LossShape, body: readonly string[]) => [`for (let i = r * ${s.width}; i < r * ${s.width} + ${s.width}; i++) {`, ...body, `}`];

/** Seed lines writing d[i] from the `g = ...` lines of element i, with `scale` the derivative's factor over the count. */
export function elementSeed(s: LossShape, d: string, factor: number, gradient: readonly string[]): string[] {
  const lines = gradient.map((line) => line.replace(/^g = /, `${d}[i] = `));
  if (s.mask) return maskedSeed(s, s.mask, factor, s.width, overVector(s, lines));
  return [`const scale = ${overBatch(factor, s.size)};`, `for (let i = 0; i < ${perBatch(s.size)}; i++) {`, ...lines, `}`];
}

export function elementwiseLoss(loss: ElementwiseLoss, fused?: LossRule["fused"]): LossRule {
  const count = (s: LossShape) => perBatch(s.size);
  return {
    targetsPerExample: (size) => size,
    value: (s) =>
      s.mask ? maskedMean(s, s.mask, s.width, overVector(s, loss.term(s.p))) : [`for (let i = 0; i < ${count(s)}; i++) {`, ...loss.term(s.p), `}`, `total /= ${count(s)};`],
    seed: (s, d) => elementSeed(s, d, loss.scale, loss.gradient(s.p)),
    fused,
    reference(predictions, targets, shape, gradient, mask) {
      const n = predictions.length;
      const width = lastAxis(shape);
      const { weight, valid } = vectorWeights(n / width, mask);
      const count = valid * width;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const w = weight(Math.floor(i / width));
        total += w * loss.f(predictions[i]!, targets[i]!);
        if (gradient) gradient[i] = count > 0 ? (w * loss.df(predictions[i]!, targets[i]!)) / count : 0;
      }
      return count > 0 ? total / count : 0;
    },
  };
}
