// What one loss is to code generation and to the reference interpreter: its value over a batch, the
// gradient that seeds backward, the seed it writes when fused with the output op before it (softmax
// or sigmoid: p - y), and its float64 reference.

import { perBatch } from "../lowering/literals";
import type { ComputedOp } from "../ops/rule";

/** The model's output as the loss sees it: per-example size, last-axis width, and the buffer. */
export interface LossShape {
  /** The output buffer. */
  readonly p: string;
  /** Output elements per example. */
  readonly size: number;
  /** The last axis (the classes). */
  readonly width: number;
  /** The buffer of the mask the output carries (one number per last-axis vector: 1 for a token, 0 for padding), or null. */
  readonly mask: string | null;
}

export interface LossRule {
  /** Target numbers per example for an output of this shape. */
  targetsPerExample(size: number, width: number): number;
  /** Lines adding the batch's mean loss into `total` (declared by the caller). */
  value(s: LossShape): string[];
  /** Lines writing d loss / d output into `d`. */
  seed(s: LossShape, d: string): string[];
  /** With this output op, the gradient of the op's input is seeded directly. */
  readonly fused?: {
    readonly outputOp: ComputedOp;
    /** Lines writing d loss / d (the output op's input) into `d`; `p` is the output op's value. */
    seed(s: LossShape, d: string): string[];
    /** The seed as maths, for the comment. */
    readonly formula: string;
  };
  /**
   * The mean loss over the batch, and (into gradient, when given) its derivative by each prediction.
   * With a mask (one number per last-axis vector), the mean over the unpadded vectors only.
   */
  reference(predictions: Float64Array, targets: Float64Array, outputShape: readonly number[], gradient: Float64Array | null, mask: Float64Array | null): number;
}

/** Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
export const EPSILON = 1e-7;

export const clipExpression = (v: string) => `Math.min(Math.max(${v}, ${EPSILON}), 1 - ${EPSILON})`;
/** 1 where the clip lets the gradient through, else 0. */
export const inClipRange = (q: string) => `(${q} > ${EPSILON} && ${q} < 1 - ${EPSILON} ? 1 : 0)`;

export const clip = (p: number) => Math.min(Math.max(p, EPSILON), 1 - EPSILON);
export const isClipped = (p: number) => p < EPSILON || p > 1 - EPSILON;

// --- masked outputs: Keras' apply_mask with the default reduction, sum over the batch size ----------
// A padded vector's loss is weighted 0 and each other's total / valid, so the mean over the batch is
// the mean over the unpadded vectors; a batch of padding only has loss 0 (divide_no_nan).

/** The output's last-axis vectors in a batch, as code. */
const vectorsOf = (s: LossShape) => perBatch(s.size / s.width);

/** Loss lines over the unpadded vectors only (`r` the vector), then `total` their mean (per element: `perVector` terms each). */
export function maskedMean(s: LossShape, mask: string, perVector: number, rowBody: readonly string[]): string[] {
  return [
    `// the padded positions (${mask} 0) are left out: the mean over the other vectors (Keras' apply_mask)`,
    `let valid = 0;`,
    `for (let r = 0; r < ${vectorsOf(s)}; r++) {`,
    `if (${mask}[r] === 0) continue;`,
    `valid++;`,
    ...rowBody,
    `}`,
    `total = valid > 0 ? total / ${perVector === 1 ? "valid" : `(valid * ${perVector})`} : 0;`,
  ];
}

/** Seed lines per vector `r`, with `scale` = factor / (unpadded vectors · perVector) for a token's vector and 0 for padding. */
export function maskedSeed(s: LossShape, mask: string, factor: number, perVector: number, rowBody: readonly string[]): string[] {
  return [
    `// the padded positions (${mask} 0) get no gradient; the others share the mean over them (Keras' apply_mask)`,
    `let valid = 0;`,
    `for (let r = 0; r < ${vectorsOf(s)}; r++) valid += ${mask}[r];`,
    `const weight = valid > 0 ? ${factor} / ${perVector === 1 ? "valid" : `(valid * ${perVector})`} : 0;`,
    `for (let r = 0; r < ${vectorsOf(s)}; r++) {`,
    `const scale = ${mask}[r] * weight;`,
    ...rowBody,
    `}`,
  ];
}

/** The reference's weight of each last-axis vector (its mask, or 1) and their sum. */
export function vectorWeights(vectors: number, mask: Float64Array | null): { weight: (v: number) => number; valid: number } {
  if (mask && mask.length !== vectors) throw new Error(`loss: the mask needs one number per output vector (${vectors}), got ${mask.length}`);
  const weight = (v: number) => (mask ? mask[v]! : 1);
  let valid = 0;
  for (let v = 0; v < vectors; v++) valid += weight(v);
  return { weight, valid };
}
