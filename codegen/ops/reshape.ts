// reshape (and flatten): the same numbers in another shape, so the kernels share the input's value
// and gradient buffers and emit nothing.

import { row, rowStart } from "../interpreter/tensor";
import { noAttrs, type OpRule } from "./rule";

export const reshape: OpRule<Record<string, never>> = {
  attrs: noAttrs,
  sharesValueOf: ({ node }) => node.inputs[0]!,
  sharesGradOf: ({ node }) => node.inputs[0]!,
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
