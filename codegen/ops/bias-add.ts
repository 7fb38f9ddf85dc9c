// biasAdd: x [..., N] + bias [N]. Inside a dense layer it is the bias stage of the fused product;
// alone, a loop forward and, backward, dx = dy and db = Σ dy over the rows.

import { columnSums } from "../kernels/column-sums";
import { rowStart } from "../interpreter/tensor";
import { perBatch } from "../lowering/literals";
import { keepsMask, noAttrs, nodeStep, type OpRule } from "./rule";

export const biasAdd: OpRule<Record<string, never>> = {
  attrs: noAttrs,
  fusion: { stage: "bias", weight: ({ node }) => node.inputs[1]! },
  masking: keepsMask,
  forward({ node }, ctx, mode) {
    const [x, b, y] = [ctx.value(node.inputs[0]!, mode), ctx.value(node.inputs[1]!, mode), ctx.value(node.id, mode)];
    const width = ctx.lastDim(node.id);
    return nodeStep(node, "forward", `${y} = ${x} + ${b}`, [
      `for (let i = 0; i < ${perBatch(ctx.size(node.id))}; i++) ${y}[i] = ${x}[i] + ${b}[i % ${width}];`,
    ]);
  },
  backward({ node }, ctx) {
    const [x, bias] = node.inputs as [string, string];
    const dy = ctx.grad(node.id);
    const width = ctx.lastDim(node.id);
    const body: string[] = [];
    if (ctx.needsGrad(x)) {
      const dx = ctx.grad(x);
      body.push(`for (let i = 0; i < ${perBatch(ctx.size(node.id))}; i++) ${dx}[i] ${ctx.assign(dx)} ${dy}[i];`);
    }
    if (ctx.needsGrad(bias)) {
      const db = ctx.grad(bias);
      const op = ctx.assign(db);
      body.push(...columnSums(db, op, dy, ctx.rows(node), width));
    }
    return nodeStep(node, "backward", `gradients of the bias add, from ${dy}`, body);
  },
  reference: {
    forward({ args: [x, bias], out, rows }) {
      for (let b = 0; b < rows; b++) {
        const [xs, bs, os] = [rowStart(x!, b), rowStart(bias!, b), rowStart(out, b)];
        for (let i = 0; i < out.size; i++) out.data[os + i] = x!.data[xs + i]! + bias!.data[bs + (i % bias!.size)]!;
      }
    },
    backward({ args: [x, bias], out, rows }, dOut, [dx, dBias]) {
      for (let b = 0; b < rows; b++) {
        const [xs, bs, os] = [rowStart(x!, b), rowStart(bias!, b), rowStart(out, b)];
        for (let i = 0; i < out.size; i++) {
          if (dx) dx[xs + i]! += dOut[os + i]!;
          if (dBias) dBias[bs + (i % bias!.size)]! += dOut[os + i]!;
        }
      }
    },
  },
};
