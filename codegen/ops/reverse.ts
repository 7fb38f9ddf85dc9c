// reverse: a sequence [T, ...] with its steps in reverse order (a Bidirectional layer's backward
// output, which comes in processing order). Backward hands each step's gradient back to its step.

import { rowStart } from "../interpreter/tensor";
import { product } from "../lowering/common";
import { keepsMask, noAttrs, nodeStep, type OpRule } from "./rule";

export const reverse: OpRule<Record<string, never>> = {
  attrs: noAttrs,
  // A backward layer's output comes in processing order but carries its input's mask in time order (Keras' RNN.compute_mask);
  // put back in time order, its steps line up with that mask again, so the mask passes unchanged.
  masking: keepsMask,
  forward({ node }, ctx, mode) {
    const [steps, ...rest] = node.shape as [number, ...number[]];
    const width = product(rest);
    const [x, y] = [ctx.value(node.inputs[0]!, mode), ctx.value(node.id, mode)];
    return nodeStep(node, "forward", `${y}[t] = ${x}[${steps - 1} - t]: the ${steps} steps in reverse order`, [
      `for (let b = 0; b < batch; b++) for (let t = 0; t < ${steps}; t++) for (let j = 0; j < ${width}; j++) ${y}[(b * ${steps} + t) * ${width} + j] = ${x}[(b * ${steps} + ${steps - 1} - t) * ${width} + j];`,
    ]);
  },
  backward({ node }, ctx) {
    const x = node.inputs[0]!;
    if (!ctx.needsGrad(x)) return null;
    const [steps, ...rest] = node.shape as [number, ...number[]];
    const width = product(rest);
    const [dx, dy] = [ctx.grad(x), ctx.grad(node.id)];
    return nodeStep(node, "backward", `${dx}[${steps - 1} - t] = ${dy}[t]`, [
      `for (let b = 0; b < batch; b++) for (let t = 0; t < ${steps}; t++) for (let j = 0; j < ${width}; j++) ${dx}[(b * ${steps} + ${steps - 1} - t) * ${width} + j] ${ctx.assign(dx)} ${dy}[(b * ${steps} + t) * ${width} + j];`,
    ]);
  },
  reference: {
    forward({ node, args: [x], out, rows }) {
      const steps = node.shape[0]!;
      const width = out.size / steps;
      for (let b = 0; b < rows; b++) {
        const [xs, os] = [rowStart(x!, b), rowStart(out, b)];
        for (let t = 0; t < steps; t++) for (let j = 0; j < width; j++) out.data[os + t * width + j] = x!.data[xs + (steps - 1 - t) * width + j]!;
      }
    },
    backward({ node, args: [x], out, rows }, dOut, [dx]) {
      if (!dx) return;
      const steps = node.shape[0]!;
      const width = out.size / steps;
      for (let b = 0; b < rows; b++) {
        const [xs, os] = [rowStart(x!, b), rowStart(out, b)];
        for (let t = 0; t < steps; t++) for (let j = 0; j < width; j++) dx[xs + (steps - 1 - t) * width + j]! += dOut[os + t * width + j]!;
      }
    },
  },
};
