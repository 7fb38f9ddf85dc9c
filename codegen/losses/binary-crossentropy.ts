// binaryCrossentropy: -(y log q + (1 - y) log(1 - q)) with q = p clipped to [ε, 1 - ε], averaged;
// d/dp = (-y / p + (1 - y) / (1 - p)) / count inside the clip, 0 outside. After a sigmoid,
// d/dz = (p - y) / count.

import { overBatch, perBatch } from "../lowering/literals";
import { elementSeed, elementwiseLoss } from "./elementwise";
import { clip, clipExpression, inClipRange, isClipped } from "./rule";

export const binaryCrossentropy = elementwiseLoss(
  {
    term: (p) => [`const q = ${clipExpression(`${p}[i]`)};`, `total -= target[i] * Math.log(q) + (1 - target[i]) * Math.log(1 - q);`],
    scale: 1,
    gradient: (p) => [`const q = ${p}[i], y = target[i];`, `g = ${inClipRange("q")} * (-y / q + (1 - y) / (1 - q)) * scale;`],
    f: (p, y) => {
      const q = clip(p);
      return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
    },
    df: (p, y) => (isClipped(p) ? 0 : -(y / p - (1 - y) / (1 - p))),
  },
  {
    outputOp: "sigmoid",
    formula: "(p - y) / count",
    seed: (s, d) =>
      s.mask
        ? elementSeed(s, d, 1, [`g = (${s.p}[i] - target[i]) * scale;`])
        : [`const scale = ${overBatch(1, s.size)};`, `for (let i = 0; i < ${perBatch(s.size)}; i++) ${d}[i] = (${s.p}[i] - target[i]) * scale;`],
  },
);
