// sum and mean over one axis of the example (or all of it): forward a loop per output, backward each
// input element gets its output's gradient (divided by the count for mean).

import type { IRNode } from "../../dsl/ir";
import { rowStart, sizeOf } from "../interpreter/tensor";
import { product } from "../lowering/common";
import { perBatch } from "../lowering/literals";
import { axisAttr, nodeStep, type MaskUse, type OpRule } from "./rule";

export interface ReduceAttrs {
  /** The axis of the example reduced, or null for all of it. */
  readonly axis: number | null;
}

/** The input's example shape split around the axis: outer x count x inner, reduced over count. */
function reduceDims(shape: readonly number[], axis: number | null): { outer: number; count: number; inner: number } {
  if (axis === null) return { outer: 1, count: sizeOf(shape), inner: 1 };
  return { outer: product(shape.slice(0, axis)), count: shape[axis]!, inner: product(shape.slice(axis + 1)) };
}

function reduceRule(isMean: boolean): OpRule<ReduceAttrs> {
  const name = isMean ? "mean" : "sum";
  const dims = (node: IRNode, attrs: ReduceAttrs, shape: readonly number[]) => reduceDims(shape, attrs.axis);
  return {
    attrs: (node) => ({ axis: axisAttr(node, "axis") }),
    // Within each position the mask holds; across positions it would take padding in (Keras' masked pooling is not an op here).
    masking: ({ attrs }, { positions }): MaskUse =>
      attrs.axis !== null && attrs.axis >= positions.length ? "keeps" : { refused: `its ${name} runs over the positions of the mask [${positions.join(", ")}]` },
    forward({ node, attrs }, ctx, mode) {
      const { outer, count, inner } = dims(node, attrs, ctx.node(node.inputs[0]!).shape);
      const [x, y] = [ctx.value(node.inputs[0]!, mode), ctx.value(node.id, mode)];
      return nodeStep(node, "forward", `${y} = ${name}(${x}, axis ${attrs.axis})`, [
        `for (let e = 0; e < ${perBatch(outer)}; e++) {`,
        `for (let q = 0; q < ${inner}; q++) {`,
        `let total = 0;`,
        `for (let a = 0; a < ${count}; a++) total += ${x}[(e * ${count} + a) * ${inner} + q];`,
        `${y}[e * ${inner} + q] = total${isMean ? ` / ${count}` : ""};`,
        `}`,
        `}`,
      ]);
    },
    backward({ node, attrs }, ctx) {
      const x = node.inputs[0]!;
      if (!ctx.needsGrad(x)) return null;
      const { outer, count, inner } = dims(node, attrs, ctx.node(x).shape);
      const [dx, dy] = [ctx.grad(x), ctx.grad(node.id)];
      return nodeStep(node, "backward", `${dx} from ${dy}: every reduced element gets its ${name}'s gradient${isMean ? ` / ${count}` : ""}`, [
        `for (let e = 0; e < ${perBatch(outer)}; e++)`,
        `for (let a = 0; a < ${count}; a++)`,
        `for (let q = 0; q < ${inner}; q++) ${dx}[(e * ${count} + a) * ${inner} + q] ${ctx.assign(dx)} ${dy}[e * ${inner} + q]${isMean ? ` / ${count}` : ""};`,
      ]);
    },
    reference: {
      forward({ attrs, argShapes, args: [x], out, rows }) {
        const { outer, count, inner } = reduceDims(argShapes[0]!, attrs.axis);
        for (let b = 0; b < rows; b++) {
          const [xs, os] = [rowStart(x!, b), rowStart(out, b)];
          for (let o = 0; o < outer; o++) {
            for (let i = 0; i < inner; i++) {
              let total = 0;
              for (let j = 0; j < count; j++) total += x!.data[xs + (o * count + j) * inner + i]!;
              out.data[os + o * inner + i] = isMean ? total / count : total;
            }
          }
        }
      },
      backward({ attrs, argShapes, args: [x], out, rows }, dOut, [dx]) {
        if (!dx) return;
        const { outer, count, inner } = reduceDims(argShapes[0]!, attrs.axis);
        for (let b = 0; b < rows; b++) {
          const [xs, os] = [rowStart(x!, b), rowStart(out, b)];
          for (let o = 0; o < outer; o++) {
            for (let i = 0; i < inner; i++) {
              const g = dOut[os + o * inner + i]! / (isMean ? count : 1);
              for (let j = 0; j < count; j++) dx[xs + (o * count + j) * inner + i]! += g;
            }
          }
        }
      },
    },
  };
}

export const sum = reduceRule(false);
export const mean = reduceRule(true);
