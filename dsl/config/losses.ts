export const LOSSES = [
  "meanSquaredError",
  "meanAbsoluteError",
  "binaryCrossentropy",
  "categoricalCrossentropy",
  "sparseCategoricalCrossentropy",
] as const;

export type LossName = (typeof LOSSES)[number];

/** Keras' short names, accepted as aliases. */
const ALIASES: Readonly<Record<string, LossName>> = { mse: "meanSquaredError", mae: "meanAbsoluteError" };

export type LossArg = LossName | "mse" | "mae";

export function resolveLoss(arg: LossArg): LossName {
  const name = ALIASES[arg] ?? arg;
  if (!(LOSSES as readonly string[]).includes(name)) {
    throw new Error(`compile: unknown loss ${JSON.stringify(arg)}; expected one of ${LOSSES.join(", ")}`);
  }
  return name as LossName;
}
