// Inverted dropout, training only: each element is kept with probability 1 - rate and scaled by
// 1 / (1 - rate); at inference the value is the input's (the buffer is shared). Backward multiplies
// by the same mask. After a dense layer it is the mask stage of the fused product.

import { rowStart } from "../interpreter/tensor";
import { safeName } from "../lowering/common";
import { perBatch } from "../lowering/literals";
import { keepsMask, nodeStep, numberAttr, type OpNode, type OpRule } from "./rule";

export interface DropoutAttrs {
  readonly rate: number;
}

const maskOf = ({ node }: OpNode<DropoutAttrs>) => `mask_${safeName(node.id)}`;

function store(op: OpNode<DropoutAttrs>, value: string, at: string): string[] {
  const { rate } = op.attrs;
  return [
    `const keep = rng.uniform() < ${rate} ? 0 : ${1 / (1 - rate)};`,
    `${maskOf(op)}[${at}] = keep;`,
    `${safeName(op.node.id)}[${at}] = ${value} * keep;`,
  ];
}

export const dropout: OpRule<DropoutAttrs> = {
  attrs: (node) => ({ rate: numberAttr(node, "rate") }),
  fusion: {
    stage: "mask",
    store,
    gradientFactor: (op, at) => `${maskOf(op)}[${at}]`,
    describe: ({ attrs }) => `dropout(${attrs.rate})`,
  },
  notAnOutput: () => "the model's output is a dropout layer; put dropout before the last layer",
  masking: keepsMask,
  sharesValueOf: ({ node }, mode) => (mode === "infer" ? node.inputs[0]! : null),
  buffers: (op, ctx) => [{ name: maskOf(op), role: "mask", perExample: ctx.size(op.node.id), fixed: null, dtype: "float32" }],
  forward(op, ctx, mode) {
    if (mode === "infer") return null;
    const x = ctx.value(op.node.inputs[0]!, mode);
    const step = nodeStep(op.node, "forward_train", `${safeName(op.node.id)} = dropout(${x}, ${op.attrs.rate})`, [
      `for (let i = 0; i < ${perBatch(ctx.size(op.node.id))}; i++) {`,
      ...store(op, `${x}[i]`, "i"),
      "}",
    ]);
    return step;
  },
  backward(op, ctx) {
    const x = op.node.inputs[0]!;
    if (!ctx.needsGrad(x)) return null;
    const [dx, dy] = [ctx.grad(x), ctx.grad(op.node.id)];
    return nodeStep(op.node, "backward", `${dx} = ${dy} * mask`, [
      `for (let i = 0; i < ${perBatch(ctx.size(op.node.id))}; i++) ${dx}[i] ${ctx.assign(dx)} ${dy}[i] * ${maskOf(op)}[i];`,
    ]);
  },
  reference: {
    perExample: true,
    forward(call, ctx) {
      const x = call.args[0]!;
      const out = call.out;
      const scale = ctx.training ? 1 / (1 - call.attrs.rate) : 1;
      const mask = ctx.training ? ctx.dropoutMask(call.node) : null;
      for (let b = 0; b < call.rows; b++) {
        const [xs, os] = [rowStart(x, b), rowStart(out, b)];
        for (let i = 0; i < out.size; i++) out.data[os + i] = mask ? x.data[xs + i]! * mask[b * out.size + i]! * scale : x.data[xs + i]!;
      }
    },
    backward(call, dOut, [dx], ctx) {
      if (!dx) return;
      const x = call.args[0]!;
      const out = call.out;
      const scale = ctx.training ? 1 / (1 - call.attrs.rate) : 1;
      const mask = ctx.training ? ctx.dropoutMask(call.node) : null;
      for (let b = 0; b < call.rows; b++) {
        const [xs, os] = [rowStart(x, b), rowStart(out, b)];
        for (let i = 0; i < out.size; i++) dx[xs + i]! += mask ? dOut[os + i]! * mask[b * out.size + i]! * scale : dOut[os + i]!;
      }
    },
  },
};
