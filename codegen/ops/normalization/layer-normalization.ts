// layerNormalization: each last-axis vector of each example normalised by its own mean and biased
// variance, then scaled by γ and shifted by β (no batch statistics: training and inference agree).
// Backward: dx = (1/√(σ² + ε)) · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)) with dx̂ = dy · γ, per vector.

import type { BufferSpec } from "../../lowering/common";
import { booleanAttr, keepsMaskOverLastAxis, nodeStep, numberAttr, type LoweringContext, type OpNode, type OpRule } from "../rule";
import type { AffineAttrs } from "./affine.reference";
import { affineIds, gammaAt, scaleAndShift } from "./affine";
import { layerNormalizationReference } from "./layer-normalization.reference";

type Op = OpNode<AffineAttrs>;

/** The tapes kept for backward: x̂ per element and 1/√(σ² + ε) per vector. */
function tapes({ node }: Op, ctx: LoweringContext) {
  return { invStd: ctx.local(node, "inv_std"), xhat: ctx.local(node, "xhat") };
}

export const layerNormalization: OpRule<AffineAttrs> = {
  attrs: (node) => ({ epsilon: numberAttr(node, "epsilon"), center: booleanAttr(node, "center"), scale: booleanAttr(node, "scale") }),
  masking: keepsMaskOverLastAxis,
  buffers(op, ctx): BufferSpec[] {
    const t = tapes(op, ctx);
    const size = ctx.size(op.node.id);
    return [
      { name: t.invStd, role: "tape", perExample: size / ctx.lastDim(op.node.id), fixed: null, dtype: "float32" },
      { name: t.xhat, role: "tape", perExample: size, fixed: null, dtype: "float32" },
    ];
  },
  forward(op, ctx, mode) {
    const { node, attrs } = op;
    const C = ctx.lastDim(node.id);
    const [x, y] = [ctx.value(node.inputs[0]!, mode), ctx.value(node.id, mode)];
    const t = tapes(op, ctx);
    return nodeStep(node, "forward", `${y} = layer normalisation of ${x}, each vector of ${C} by its own statistics`, [
      `for (let r = 0; r < ${ctx.rows(node)}; r++) {`,
      `const o = r * ${C};`,
      `// μ = Σ x / ${C}`,
      `let total = 0;`,
      `for (let c = 0; c < ${C}; c++) total += ${x}[o + c];`,
      `const mean = total / ${C};`,
      `// σ² = Σ (x − μ)² / ${C} (biased)`,
      `let squares = 0;`,
      `for (let c = 0; c < ${C}; c++) { const d = ${x}[o + c] - mean; squares += d * d; }`,
      `const invStd = 1 / Math.sqrt(squares / ${C} + ${attrs.epsilon});`,
      `${t.invStd}[r] = invStd;`,
      `// x̂ = (x − μ) / √(σ² + ε); y = γ x̂ + β`,
      `for (let c = 0; c < ${C}; c++) {`,
      `const xhat = (${x}[o + c] - mean) * invStd;`,
      `${t.xhat}[o + c] = xhat;`,
      `${y}[o + c] = ${scaleAndShift(affineIds(node, attrs), ctx, mode, "xhat", "c")};`,
      `}`,
      `}`,
    ]);
  },
  backward(op, ctx) {
    const { node, attrs } = op;
    const C = ctx.lastDim(node.id);
    const rows = ctx.rows(node);
    const ids = affineIds(node, attrs);
    const x = node.inputs[0]!;
    const dy = ctx.grad(node.id);
    const t = tapes(op, ctx);
    const body: string[] = [];
    const perChannel = (id: string | null, what: string, term: string) => {
      if (!id || !ctx.needsGrad(id)) return;
      const d = ctx.grad(id);
      const assign = ctx.assign(d);
      body.push(`// ${what}`, `for (let c = 0; c < ${C}; c++) {`, `let total = 0;`, `for (let r = 0; r < ${rows}; r++) total += ${term};`, `${d}[c] ${assign} total;`, `}`);
    };
    perChannel(ids.gamma, "dγ = Σ dy · x̂ over the vectors", `${dy}[r * ${C} + c] * ${t.xhat}[r * ${C} + c]`);
    perChannel(ids.beta, "dβ = Σ dy over the vectors", `${dy}[r * ${C} + c]`);
    if (ctx.needsGrad(x)) {
      const dx = ctx.grad(x);
      const assign = ctx.assign(dx);
      const dxhat = (i: string) => `${dy}[${i}] * ${gammaAt(ids, ctx, "c")}`;
      body.push(
        `// dx = (1/√(σ² + ε)) · (dx̂ − Σ dx̂ / ${C} − x̂ · Σ (dx̂ · x̂) / ${C}), dx̂ = dy · γ`,
        `for (let r = 0; r < ${rows}; r++) {`,
        `const o = r * ${C};`,
        `let sumDxhat = 0;`,
        `let sumDxhatXhat = 0;`,
        `for (let c = 0; c < ${C}; c++) { const dxhat = ${dxhat("o + c")}; sumDxhat += dxhat; sumDxhatXhat += dxhat * ${t.xhat}[o + c]; }`,
        `for (let c = 0; c < ${C}; c++) ${dx}[o + c] ${assign} ${t.invStd}[r] * (${dxhat("o + c")} - sumDxhat / ${C} - ${t.xhat}[o + c] * (sumDxhatXhat / ${C}));`,
        `}`,
      );
    }
    return nodeStep(node, "backward", `gradients of the layer normalisation, from ${dy}`, body);
  },
  reference: layerNormalizationReference,
};
