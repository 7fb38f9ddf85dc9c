import { expect, it } from "vitest";
import { main } from "./main";

it("every optimiser lowers the loss, and momentum beats plain SGD at the same learning rate", () => {
  const results = main(() => {});
  for (const [name, r] of Object.entries(results)) expect(r.last, name).toBeLessThan(r.first * 0.7);
  expect(results.momentum!.last).toBeLessThan(results.sgd!.last);
  expect(results.adam!.accuracy).toBeGreaterThan(0.85);
});
