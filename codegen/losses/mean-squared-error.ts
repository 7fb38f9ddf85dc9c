// meanSquaredError: mean of (p - y)² over every output and the batch; d/dp = 2 (p - y) / count.

import { elementwiseLoss } from "./elementwise";

export const meanSquaredError = elementwiseLoss({
  term: (p) => [`const d = ${p}[i] - target[i];`, `total += d * d;`],
  scale: 2,
  gradient: (p) => [`g = (${p}[i] - target[i]) * scale;`],
  f: (p, y) => (y - p) ** 2,
  df: (p, y) => 2 * (p - y),
});
