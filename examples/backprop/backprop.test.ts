import { expect, it } from "vitest";
import { main } from "./main";

// Reference numbers from the seed (SEED-NOTES.md, "Back-propagation worked example").
it("reproduces the seed's forward pass, loss, updated weights and new loss within 1e-7", () => {
  const result = main(() => {});
  expect(Math.abs(result.outputs[0] - 0.609446)).toBeLessThan(1e-7);
  expect(Math.abs(result.outputs[1] - 0.66384491)).toBeLessThan(1e-7);
  expect(Math.abs(result.lossBefore - 0.0239719)).toBeLessThan(1e-7);
  const expected = [0.29959556, 0.24919112, 0.39964496, 0.34928991, 0.43703857, 0.38685205, 0.69629578, 0.59624247];
  result.weights.forEach((w, i) => expect(Math.abs(w - expected[i]!), `w${i + 1}`).toBeLessThan(1e-7));
  expect(Math.abs(result.lossAfter - 0.02323634)).toBeLessThan(1e-7);
});
