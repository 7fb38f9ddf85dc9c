// batchNormalization (Keras 3): in training, each channel (the last axis) is normalised by the
// mini-batch mean and biased variance over the batch and every position of the example, then scaled
// by γ and shifted by β, and the moving statistics move toward the batch's by (1 − momentum); at
// inference the moving statistics normalise. Backward holds the statistics' own dependence on x:
// dx = γ / √(σ² + ε) · (dy − mean(dy) − x̂ · mean(dy · x̂)).

import type { BufferSpec } from "../../lowering/common";
import { booleanAttr, nodeStep, numberAttr, type LoweringContext, type OpNode, type OpRule } from "../rule";
import { affineIds, gammaAt, scaleAndShift } from "./affine";
import { batchNormalizationReference, type BatchNormalizationAttrs } from "./batch-normalization.reference";

type Op = OpNode<BatchNormalizationAttrs>;

/** The tapes training keeps for backward: 1/√(σ² + ε) per channel and x̂ per element. */
function tapes({ node }: Op, ctx: LoweringContext) {
  return { invStd: ctx.local(node, "inv_std"), xhat: ctx.local(node, "xhat") };
}

function dims(op: Op, ctx: LoweringContext) {
  return { channels: ctx.lastDim(op.node.id), rows: ctx.rows(op.node) };
}

function trainForward(op: Op, ctx: LoweringContext): string[] {
  const { node, attrs } = op;
  const { channels: C, rows } = dims(op, ctx);
  const ids = affineIds(node, attrs);
  const [movingMean, movingVariance] = ids.rest.map((id) => ctx.value(id, "train")) as [string, string];
  const [x, y] = [ctx.value(node.inputs[0]!, "train"), ctx.value(node.id, "train")];
  const t = tapes(op, ctx);
  return [
    `const count = ${rows};`,
    `for (let c = 0; c < ${C}; c++) {`,
    `// μ = Σ x / count: the mini-batch mean`,
    `let total = 0;`,
    `for (let r = 0; r < count; r++) total += ${x}[r * ${C} + c];`,
    `const mean = total / count;`,
    `// σ² = Σ (x − μ)² / count: the mini-batch variance (biased)`,
    `let squares = 0;`,
    `for (let r = 0; r < count; r++) { const d = ${x}[r * ${C} + c] - mean; squares += d * d; }`,
    `const variance = squares / count;`,
    `const invStd = 1 / Math.sqrt(variance + ${attrs.epsilon});`,
    `${t.invStd}[c] = invStd;`,
    `// x̂ = (x − μ) / √(σ² + ε): normalise; y = γ x̂ + β: scale and shift`,
    `for (let r = 0; r < count; r++) {`,
    `const i = r * ${C} + c;`,
    `const xhat = (${x}[i] - mean) * invStd;`,
    `${t.xhat}[i] = xhat;`,
    `${y}[i] = ${scaleAndShift(ids, ctx, "train", "xhat", "c")};`,
    `}`,
    `// the moving statistics: m = m · momentum + batch statistic · (1 − momentum)`,
    `${movingMean}[c] = ${movingMean}[c] * ${attrs.momentum} + mean * (1 - ${attrs.momentum});`,
    `${movingVariance}[c] = ${movingVariance}[c] * ${attrs.momentum} + variance * (1 - ${attrs.momentum});`,
    `}`,
  ];
}

function inferForward(op: Op, ctx: LoweringContext): string[] {
  const { node, attrs } = op;
  const { channels: C, rows } = dims(op, ctx);
  const ids = affineIds(node, attrs);
  const [movingMean, movingVariance] = ids.rest.map((id) => ctx.value(id, "infer")) as [string, string];
  const [x, y] = [ctx.value(node.inputs[0]!, "infer"), ctx.value(node.id, "infer")];
  return [
    `// x̂ = (x − moving mean) / √(moving variance + ε); y = γ x̂ + β`,
    `for (let c = 0; c < ${C}; c++) {`,
    `const mean = ${movingMean}[c];`,
    `const invStd = 1 / Math.sqrt(${movingVariance}[c] + ${attrs.epsilon});`,
    `for (let r = 0; r < ${rows}; r++) {`,
    `const i = r * ${C} + c;`,
    `const xhat = (${x}[i] - mean) * invStd;`,
    `${y}[i] = ${scaleAndShift(ids, ctx, "infer", "xhat", "c")};`,
    `}`,
    `}`,
  ];
}

export const batchNormalization: OpRule<BatchNormalizationAttrs> = {
  attrs: (node) => ({
    momentum: numberAttr(node, "momentum"),
    epsilon: numberAttr(node, "epsilon"),
    center: booleanAttr(node, "center"),
    scale: booleanAttr(node, "scale"),
  }),
  masking: () => ({ refused: "Keras leaves padded positions out of the batch statistics, which code generation does not do" }),
  buffers(op, ctx): BufferSpec[] {
    const t = tapes(op, ctx);
    const C = ctx.lastDim(op.node.id);
    const perChannel = (name: string): BufferSpec => ({ name, role: "tape", perExample: null, fixed: C, dtype: "float32" });
    return [perChannel(t.invStd), { name: t.xhat, role: "tape", perExample: ctx.size(op.node.id), fixed: null, dtype: "float32" }];
  },
  forward(op, ctx, mode) {
    const [x, y] = [ctx.value(op.node.inputs[0]!, mode), ctx.value(op.node.id, mode)];
    if (mode === "infer") return nodeStep(op.node, "forward", `${y} = batch normalisation of ${x} by the moving statistics`, inferForward(op, ctx));
    return nodeStep(op.node, "forward_train", `${y} = batch normalisation of ${x} by the mini-batch statistics`, trainForward(op, ctx));
  },
  backward(op, ctx) {
    const { node, attrs } = op;
    const { channels: C, rows } = dims(op, ctx);
    const ids = affineIds(node, attrs);
    const x = node.inputs[0]!;
    const dy = ctx.grad(node.id);
    const t = tapes(op, ctx);
    const gradOf = (id: string | null) => (id && ctx.needsGrad(id) ? { d: ctx.grad(id), op: ctx.assign(ctx.grad(id)) } : null);
    const [dGamma, dBeta] = [gradOf(ids.gamma), gradOf(ids.beta)];
    const dx = ctx.needsGrad(x) ? { d: ctx.grad(x), op: ctx.assign(ctx.grad(x)) } : null;
    const body = [
      `const count = ${rows};`,
      `for (let c = 0; c < ${C}; c++) {`,
      `let sumDy = 0;`,
      `let sumDyXhat = 0;`,
      `for (let r = 0; r < count; r++) { const i = r * ${C} + c; sumDy += ${dy}[i]; sumDyXhat += ${dy}[i] * ${t.xhat}[i]; }`,
      ...(dGamma ? [`// dγ = Σ dy · x̂`, `${dGamma.d}[c] ${dGamma.op} sumDyXhat;`] : []),
      ...(dBeta ? [`// dβ = Σ dy`, `${dBeta.d}[c] ${dBeta.op} sumDy;`] : []),
    ];
    if (dx) {
      body.push(
        `// dx = γ / √(σ² + ε) · (dy − Σ dy / count − x̂ · Σ (dy · x̂) / count)`,
        `const scale = ${gammaAt(ids, ctx, "c")} * ${t.invStd}[c];`,
        `for (let r = 0; r < count; r++) {`,
        `const i = r * ${C} + c;`,
        `${dx.d}[i] ${dx.op} scale * (${dy}[i] - sumDy / count - ${t.xhat}[i] * (sumDyXhat / count));`,
        `}`,
      );
    }
    body.push(`}`);
    return nodeStep(node, "backward", `gradients of the batch normalisation, from ${dy}`, body);
  },
  reference: batchNormalizationReference,
};
