// Categorical cross-entropy over the last axis, as Keras: q = p / Σp per vector, clipped to
// [ε, 1 - ε]; loss -Σ y log q, averaged over the vectors of the batch (the unpadded ones when the
// output carries a mask). The targets are one-hot rows, or class ids (sparse). After a softmax,
// d/dz = (p - y) / vectors.

import { runtimeCrossentropyGradient, runtimeCrossentropyLoss, usesRuntimeRows } from "../kernels/runtime-rows";
import { perBatch } from "../lowering/literals";
import { lastAxis } from "../interpreter/tensor";
import { clip, clipExpression, inClipRange, isClipped, maskedMean, maskedSeed, vectorWeights, type LossRule, type LossShape } from "./rule";

/** The label of class `j` in vector `r`, as code. */
type Label = (width: number, j: string) => string;

const oneHot: Label = (width, j) => `target[r * ${width} + ${j}]`;
const classId: Label = (_width, j) => `(target[r] === ${j} ? 1 : 0)`;

const vectors = (s: LossShape) => perBatch(s.size / s.width);

export function crossentropy(sparse: boolean): LossRule {
  const label = sparse ? classId : oneHot;
  const value = (s: LossShape): string[] => {
    const { p, width } = s;
    if (!s.mask && usesRuntimeRows(width)) return runtimeCrossentropyLoss(p, "target", vectors(s), width, sparse);
    const logQ = (j: string) => `Math.log(${clipExpression(`${p}[r * ${width} + ${j}] / rowSum`)})`;
    const row = [
      `let rowSum = 0;`,
      `for (let j = 0; j < ${width}; j++) rowSum += ${p}[r * ${width} + j];`,
      sparse ? `total -= ${logQ("target[r]")};` : `for (let j = 0; j < ${width}; j++) total -= target[r * ${width} + j] * ${logQ("j")};`,
    ];
    if (s.mask) return maskedMean(s, s.mask, 1, row);
    return [`for (let r = 0; r < ${vectors(s)}; r++) {`, ...row, `}`, `total /= ${vectors(s)};`];
  };
  /** The seed's lines: `scale` (1 / vectors) then each vector r's row, or the masked form's. */
  const perRow = (s: LossShape, row: string[]): string[] =>
    s.mask ? maskedSeed(s, s.mask, 1, 1, row) : [`const scale = 1 / (${vectors(s)});`, `for (let r = 0; r < ${vectors(s)}; r++) {`, ...row, `}`];
  // L = -Σ_j y_j log(clip(p_j / S)); dL/dp_k = (g_k - Σ_j g_j q_j) / S with g_j = -y_j / q_j inside the clip.
  const seed = (s: LossShape, d: string): string[] =>
    perRow(s, [
      `const o = r * ${s.width};`,
      `let rowSum = 0;`,
      `for (let j = 0; j < ${s.width}; j++) rowSum += ${s.p}[o + j];`,
      `let dot = 0;`,
      `for (let j = 0; j < ${s.width}; j++) { const q = ${s.p}[o + j] / rowSum; const g = ${inClipRange("q")} * -${label(s.width, "j")} / q; ${d}[o + j] = g; dot += g * q; }`,
      `for (let j = 0; j < ${s.width}; j++) ${d}[o + j] = ((${d}[o + j] - dot) / rowSum) * scale;`,
    ]);
  const fusedSeed = (s: LossShape, d: string): string[] => {
    if (!s.mask && usesRuntimeRows(s.width)) return runtimeCrossentropyGradient(s.p, "target", d, vectors(s), s.width, sparse);
    if (sparse) {
      return perRow(s, [
        `for (let j = 0; j < ${s.width}; j++) ${d}[r * ${s.width} + j] = ${s.p}[r * ${s.width} + j] * scale;`,
        `${d}[r * ${s.width} + target[r]] -= scale;`,
      ]);
    }
    if (s.mask) return perRow(s, [`for (let j = 0; j < ${s.width}; j++) ${d}[r * ${s.width} + j] = (${s.p}[r * ${s.width} + j] - target[r * ${s.width} + j]) * scale;`]);
    return [`const scale = 1 / (${vectors(s)});`, `for (let i = 0; i < ${perBatch(s.size)}; i++) ${d}[i] = (${s.p}[i] - target[i]) * scale;`];
  };
  return {
    targetsPerExample: (size, width) => (sparse ? size / width : size),
    value,
    seed,
    fused: { outputOp: "softmax", seed: fusedSeed, formula: "(p - y) / count" },
    reference: (predictions, targets, shape, gradient, mask) => referenceCrossentropy(sparse, predictions, targets, lastAxis(shape), gradient, mask),
  };
}

/**
 * Per last-axis vector: q = p / sum(p), clipped; -sum(y log q). Sparse targets are class ids (the
 * one-hot y). The gradient goes back through the clip (0 outside it) and the normalisation. With a
 * mask, each vector weighs its mask value and the mean runs over their sum (0 when every one is padding).
 */
function referenceCrossentropy(
  sparse: boolean,
  predictions: Float64Array,
  targets: Float64Array,
  width: number,
  gradient: Float64Array | null,
  mask: Float64Array | null,
): number {
  const vectors = predictions.length / width;
  const { weight, valid: count } = vectorWeights(vectors, mask);
  const y = (v: number, c: number) => (sparse ? (targets[v] === c ? 1 : 0) : targets[v * width + c]!);
  if (sparse) {
    targets.forEach((id, v) => {
      if (!(Number.isInteger(id) && id >= 0 && id < width)) {
        throw new Error(`sparseCategoricalCrossentropy: class id ${id} (target ${v}) is outside [0, ${width})`);
      }
    });
  }
  let total = 0;
  const dq = new Float64Array(width);
  for (let v = 0; v < vectors; v++) {
    const start = v * width;
    const w = weight(v);
    let sum = 0;
    for (let c = 0; c < width; c++) sum += predictions[start + c]!;
    let dot = 0;
    for (let c = 0; c < width; c++) {
      const q = predictions[start + c]! / sum;
      total -= w * y(v, c) * Math.log(clip(q));
      dq[c] = isClipped(q) || w === 0 ? 0 : (-w * y(v, c)) / q / count;
      dot += dq[c]! * q;
    }
    // q_c = p_c / s: dp_k = (dq_k - sum_c dq_c q_c) / s.
    if (gradient) for (let c = 0; c < width; c++) gradient[start + c] = (dq[c]! - dot) / sum;
  }
  return count > 0 ? total / count : 0;
}
