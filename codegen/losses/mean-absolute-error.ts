// meanAbsoluteError: mean of |p - y|; d/dp = sign(p - y) / count.

import { elementwiseLoss } from "./elementwise";

export const meanAbsoluteError = elementwiseLoss({
  term: (p) => [`total += Math.abs(${p}[i] - target[i]);`],
  scale: 1,
  gradient: (p) => [`g = Math.sign(${p}[i] - target[i]) * scale;`],
  f: (p, y) => Math.abs(y - p),
  df: (p, y) => Math.sign(p - y),
});
