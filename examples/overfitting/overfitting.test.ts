import { expect, it } from "vitest";
import { main } from "./main";

it("the plain model over-fits, and L1, L2 and dropout each narrow the train/validation gap", () => {
  const results = main(() => {});
  // The noise variance is 0.09: a training error far below it means the noise was fitted, and
  // it shows as a validation error well above it.
  expect(results.plain!.train).toBeLessThan(0.09 / 2);
  expect(results.plain!.validation).toBeGreaterThan(0.09 * 1.5);
  for (const name of ["l1", "l2", "dropout"]) expect(results[name]!.gap, name).toBeLessThan(results.plain!.gap * 0.9);
});
