// The arguments that crossentropyGradient and crossentropyLoss share, checked: counts, lengths, the
// kind of targets and each class id.

import type { TargetKind } from "./js-rows";

export function checkTargets(name: string, p: Float32Array, targets: Float32Array, rows: number, width: number, kind: TargetKind): void {
  const fail = (message: string) => {
    throw new RangeError(`${name}: ${message}`);
  };
  if (!Number.isInteger(rows) || rows < 0) fail(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(width) || width < 1) fail(`width must be a positive integer, got ${width}`);
  if (kind !== "classIds" && kind !== "oneHot") fail(`the targets must be "classIds" or "oneHot", got ${JSON.stringify(kind)}`);
  if (p.length < rows * width) fail(`p holds ${p.length} floats, needs ${rows * width}`);
  const needed = kind === "classIds" ? rows : rows * width;
  if (targets.length < needed) fail(`targets holds ${targets.length} floats, needs ${needed}`);
  if (kind === "classIds") {
    for (let r = 0; r < rows; r++) {
      const id = targets[r]!;
      if (!(Number.isInteger(id) && id >= 0 && id < width)) fail(`class id ${id} (row ${r}) is outside [0, ${width})`);
    }
  }
}
