// add, subtract and multiply of two tensors of one shape, element by element.

import { rowStart } from "../interpreter/tensor";
import { perBatch } from "../lowering/literals";
import { noAttrs, nodeStep, type OpRule } from "./rule";

interface Binary {
  readonly sign: "+" | "-" | "*";
  readonly name: string;
  f(a: number, b: number): number;
  /** ∂f/∂a and ∂f/∂b. */
  da(a: number, b: number): number;
  db(a: number, b: number): number;
  /** d a (and d b) from dy at i, as code; `other` is the other operand's value. */
  gradA(dy: string, other: string): string;
  gradB(dy: string, other: string): string;
}

function binary(op: Binary): OpRule<Record<string, never>> {
  return {
    attrs: noAttrs,
    // Keras' merge layers (Add, Subtract, Multiply): the OR of the inputs' masks (the one mask, both
    // carrying it), and none when an input has none.
    masking: ({ node }, masked) => (masked.args.length === node.inputs.length ? "keeps" : "ends"),
    forward({ node }, ctx, mode) {
      const [x, y, out] = [ctx.value(node.inputs[0]!, mode), ctx.value(node.inputs[1]!, mode), ctx.value(node.id, mode)];
      return nodeStep(node, "forward", `${out} = ${x} ${op.sign} ${y}`, [
        `for (let i = 0; i < ${perBatch(ctx.size(node.id))}; i++) ${out}[i] = ${x}[i] ${op.sign} ${y}[i];`,
      ]);
    },
    backward({ node }, ctx) {
      const [x, y] = node.inputs as [string, string];
      const dy = ctx.grad(node.id);
      const count = perBatch(ctx.size(node.id));
      const body: string[] = [];
      const add = (arg: string, expr: string) => {
        const d = ctx.grad(arg);
        body.push(`for (let i = 0; i < ${count}; i++) ${d}[i] ${ctx.assign(d)} ${expr};`);
      };
      if (ctx.needsGrad(x)) add(x, op.gradA(`${dy}[i]`, `${ctx.value(y, "train")}[i]`));
      if (ctx.needsGrad(y)) add(y, op.gradB(`${dy}[i]`, `${ctx.value(x, "train")}[i]`));
      return nodeStep(node, "backward", `gradients of ${op.name}, from ${dy}`, body);
    },
    reference: {
      forward({ args: [x, y], out, rows }) {
        for (let b = 0; b < rows; b++) {
          const [xs, ys, os] = [rowStart(x!, b), rowStart(y!, b), rowStart(out, b)];
          for (let i = 0; i < out.size; i++) out.data[os + i] = op.f(x!.data[xs + i]!, y!.data[ys + i]!);
        }
      },
      backward({ args: [x, y], out, rows }, dOut, [dx, dy]) {
        for (let b = 0; b < rows; b++) {
          const [xs, ys, os] = [rowStart(x!, b), rowStart(y!, b), rowStart(out, b)];
          for (let i = 0; i < out.size; i++) {
            const [u, v, g] = [x!.data[xs + i]!, y!.data[ys + i]!, dOut[os + i]!];
            if (dx) dx[xs + i]! += g * op.da(u, v);
            if (dy) dy[ys + i]! += g * op.db(u, v);
          }
        }
      },
    },
  };
}

export const add = binary({
  sign: "+",
  name: "add",
  f: (a, b) => a + b,
  da: () => 1,
  db: () => 1,
  gradA: (dy) => dy,
  gradB: (dy) => dy,
});

export const subtract = binary({
  sign: "-",
  name: "subtract",
  f: (a, b) => a - b,
  da: () => 1,
  db: () => -1,
  gradA: (dy) => dy,
  gradB: (dy) => `-${dy}`,
});

export const multiply = binary({
  sign: "*",
  name: "multiply",
  f: (a, b) => a * b,
  da: (_, b) => b,
  db: (a) => a,
  gradA: (dy, other) => `${dy} * ${other}`,
  gradB: (dy, other) => `${dy} * ${other}`,
});
