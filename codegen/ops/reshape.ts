// reshape (and flatten): the same numbers in another shape, so the kernels share the input's value
// and gradient buffers and emit nothing.

import { row, rowStart } from "../interpreter/tensor";
import { noAttrs, type MaskUse, type OpRule } from "./rule";

export const reshape: OpRule<Record<string, never>> = {
  attrs: noAttrs,
  sharesValueOf: ({ node }) => node.inputs[0]!,
  sharesGradOf: ({ node }) => node.inputs[0]!,
  // Keeping the mask's axes in front keeps each position's numbers together (Bidirectional's average: [T, 2U] as [T, 2, U]).
  masking: ({ node }, { positions }): MaskUse =>
    positions.every((dim, i) => node.shape[i] === dim)
      ? "keeps"
      : { refused: `it moves numbers across the positions of the mask [${positions.join(", ")}] (to [${node.shape.join(", ")}]), and Keras' Flatten and Reshape drop the mask` },
  forward: () => null,
  backward: () => null,
  reference: {
    forward({ args: [x], out, rows }) {
      for (let b = 0; b < rows; b++) row(out, b).set(row(x!, b));
    },
    backward({ args: [x], out, rows }, dOut, [dx]) {
      if (!dx) return;
      for (let b = 0; b < rows; b++) {
        const [xs, os] = [rowStart(x!, b), rowStart(out, b)];
        for (let i = 0; i < out.size; i++) dx[xs + i]! += dOut[os + i]!;
      }
    },
  },
};
