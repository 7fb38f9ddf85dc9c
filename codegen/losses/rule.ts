// What one loss is to code generation and to the reference interpreter: its value over a batch, the
// gradient that seeds backward, the seed it writes when fused with the output op before it (softmax
// or sigmoid: p - y), and its float64 reference.

import type { ComputedOp } from "../ops/rule";

/** The model's output as the loss sees it: per-example size, last-axis width, and the buffer. */
export interface LossShape {
  /** The output buffer. */
  readonly p: string;
  /** Output elements per example. */
  readonly size: number;
  /** The last axis (the classes). */
  readonly width: number;
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
  /** The mean loss over the batch, and (into gradient, when given) its derivative by each prediction. */
  reference(predictions: Float64Array, targets: Float64Array, outputShape: readonly number[], gradient: Float64Array | null): number;
}

/** Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
export const EPSILON = 1e-7;

export const clipExpression = (v: string) => `Math.min(Math.max(${v}, ${EPSILON}), 1 - ${EPSILON})`;
/** 1 where the clip lets the gradient through, else 0. */
export const inClipRange = (q: string) => `(${q} > ${EPSILON} && ${q} < 1 - ${EPSILON} ? 1 : 0)`;

export const clip = (p: number) => Math.min(Math.max(p, EPSILON), 1 - EPSILON);
export const isClipped = (p: number) => p < EPSILON || p > 1 - EPSILON;
