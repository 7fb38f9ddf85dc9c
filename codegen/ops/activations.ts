// The activation ops (and exp, log): one rule per function of the activation table. Element-wise
// ones are a loop forward and dx = dy · f'(z) backward; softmax works per last-axis row. Inside a
// dense layer each is the activation stage of the fused product.

import { UnsupportedError } from "../lowering/common";
import { perBatch } from "../lowering/literals";
import { lastAxis, row, rowStart } from "../interpreter/tensor";
import { ACTIVATIONS, DEFAULT_ALPHA, noGradientMessage, type FunctionName } from "./activation-table";
import { keepsMask, keepsMaskOverLastAxis, nodeStep, numberAttr, type OpRule } from "./rule";

export interface ActivationAttrs {
  /** leakyRelu's negative slope (unused by the others). */
  readonly alpha: number;
}

function activationRule(name: Exclude<FunctionName, "linear">): OpRule<ActivationAttrs> {
  const entry = ACTIVATIONS[name];
  return {
    attrs: (node) => ({ alpha: numberAttr(node, "alpha", DEFAULT_ALPHA) }),
    fusion: { stage: "activation", activation: () => entry, alpha: ({ attrs }) => attrs.alpha },
    blocksGradient: () => (entry.kind === "elementwise" && !entry.derivative ? `a ${name} function` : null),
    masking: entry.kind === "rowwise" ? keepsMaskOverLastAxis : keepsMask,
    forward({ node, attrs }, ctx, mode) {
      const [x, y] = [ctx.value(node.inputs[0]!, mode), ctx.value(node.id, mode)];
      const body =
        entry.kind === "rowwise"
          ? entry.forwardRows(x, y, ctx.rows(node), ctx.lastDim(node.id))
          : [`for (let i = 0; i < ${perBatch(ctx.size(node.id))}; i++) { const z = ${x}[i]; ${y}[i] = ${entry.expression("z", attrs.alpha)}; }`];
      return nodeStep(node, "forward", `${y} = ${name}(${x})`, body);
    },
    backward({ node, attrs }, ctx) {
      const x = node.inputs[0]!;
      if (!ctx.needsGrad(x)) return null;
      const [dx, dy, y] = [ctx.grad(x), ctx.grad(node.id), ctx.value(node.id, "train")];
      const op = ctx.assign(dx);
      const comment = `// ${entry.derivativeText}`;
      if (entry.kind === "rowwise") {
        const body = entry.backwardRows((i) => `${dy}[${i}]`, y, dx, op, ctx.rows(node), ctx.lastDim(node.id));
        return nodeStep(node, "backward", `${dx} from ${dy} through ${name}`, [comment, ...body]);
      }
      if (!entry.derivative) throw new UnsupportedError(noGradientMessage(node.layer, name));
      const derivative = entry.derivative(`${y}[i]`, `${ctx.value(x, "train")}[i]`, attrs.alpha);
      return nodeStep(node, "backward", `${dx} from ${dy} through ${name}`, [
        comment,
        `for (let i = 0; i < ${perBatch(ctx.size(node.id))}; i++) ${dx}[i] ${op} ${dy}[i] * ${derivative};`,
      ]);
    },
    reference: {
      forward({ node, attrs, args: [x], out, rows }) {
        const width = lastAxis(node.shape);
        for (let b = 0; b < rows; b++) entry.forward(row(x!, b), row(out, b), width, attrs.alpha);
      },
      backward({ node, attrs, args: [x], out, rows }, dOut, [dx]) {
        if (!dx) return;
        const width = lastAxis(node.shape);
        for (let b = 0; b < rows; b++) {
          const dy = dOut.subarray(rowStart(out, b), rowStart(out, b) + out.size);
          const start = rowStart(x!, b);
          entry.backward(row(x!, b), row(out, b), dy, dx.subarray(start, start + x!.size), width, attrs.alpha);
        }
      },
    },
  };
}

export const sigmoid = activationRule("sigmoid");
export const tanh = activationRule("tanh");
export const relu = activationRule("relu");
export const leakyRelu = activationRule("leakyRelu");
export const softmax = activationRule("softmax");
export const step = activationRule("step");
export const exp = activationRule("exp");
export const log = activationRule("log");
