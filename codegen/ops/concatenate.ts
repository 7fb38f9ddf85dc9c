// concatenate along the last axis: each row of the output takes the inputs' rows in turn; backward
// hands each input its slice of the gradient.

import { lastAxis, rowStart } from "../interpreter/tensor";
import { keepsMaskOverLastAxis, noAttrs, nodeStep, type OpRule } from "./rule";

export const concatenate: OpRule<Record<string, never>> = {
  attrs: noAttrs,
  // Keras' Concatenate: the OR over the joined features of the inputs' masks, an unmasked input's all
  // ones: the one mask when every input carries it, else every position a token (none).
  masking: (op, masked, ctx) => (masked.args.length === op.node.inputs.length ? keepsMaskOverLastAxis(op, masked, ctx) : "ends"),
  forward({ node }, ctx, mode) {
    const width = ctx.lastDim(node.id);
    const out = ctx.value(node.id, mode);
    const lines = [`for (let r = 0; r < ${ctx.rows(node)}; r++) {`];
    let offset = 0;
    for (const input of node.inputs) {
      const w = ctx.lastDim(input);
      lines.push(`for (let j = 0; j < ${w}; j++) ${out}[r * ${width} + ${offset} + j] = ${ctx.value(input, mode)}[r * ${w} + j];`);
      offset += w;
    }
    return nodeStep(node, "forward", `${out} = concatenate(${node.inputs.map((i) => ctx.value(i, mode)).join(", ")})`, [...lines, "}"]);
  },
  backward({ node }, ctx) {
    const width = ctx.lastDim(node.id);
    const dy = ctx.grad(node.id);
    const lines: string[] = [];
    let offset = 0;
    for (const input of node.inputs) {
      const w = ctx.lastDim(input);
      if (ctx.needsGrad(input)) {
        const dx = ctx.grad(input);
        lines.push(`for (let r = 0; r < ${ctx.rows(node)}; r++) for (let j = 0; j < ${w}; j++) ${dx}[r * ${w} + j] ${ctx.assign(dx)} ${dy}[r * ${width} + ${offset} + j];`);
      }
      offset += w;
    }
    return nodeStep(node, "backward", `each input's slice of ${dy}`, lines);
  },
  reference: {
    forward({ args, argShapes, out, rows }) {
      const widths = argShapes.map(lastAxis);
      const total = widths.reduce((s, w) => s + w, 0);
      for (let b = 0; b < rows; b++) {
        let offset = 0;
        args.forEach((x, k) => {
          const width = widths[k]!;
          const [xs, os] = [rowStart(x, b), rowStart(out, b)];
          for (let p = 0; p < x.size / width; p++) {
            for (let c = 0; c < width; c++) out.data[os + p * total + offset + c] = x.data[xs + p * width + c]!;
          }
          offset += width;
        });
      }
    },
    backward({ args, argShapes, out, rows }, dOut, dArgs) {
      const widths = argShapes.map(lastAxis);
      const total = widths.reduce((s, w) => s + w, 0);
      for (let b = 0; b < rows; b++) {
        let offset = 0;
        args.forEach((x, k) => {
          const width = widths[k]!;
          const dx = dArgs[k];
          const [xs, os] = [rowStart(x, b), rowStart(out, b)];
          if (dx) {
            for (let p = 0; p < x.size / width; p++) {
              for (let c = 0; c < width; c++) dx[xs + p * width + c]! += dOut[os + p * total + offset + c]!;
            }
          }
          offset += width;
        });
      }
    },
  },
};
