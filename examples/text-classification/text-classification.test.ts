import { expect, it } from "vitest";
import { denseAccuracy, main, prepare } from "./main";

// A slice of 600 mails (480 to train on, 120 to test), binary mode, the seed's model and settings.
const LIMIT = 600;

it("the MLP sorts mails into the five groups far better than the majority group, and a dense-input twin scores the same", async () => {
  const lines: string[] = [];
  const { accuracies, majority } = await main((line) => lines.push(line), { limit: LIMIT, modes: ["binary"], verbose: 0 });
  const sparse = accuracies.binary!;
  expect(lines).toContain(`binary mode test accuracy: ${sparse.toFixed(4)}`);
  // Always answering the commonest group scores `majority` (about 0.41 here); a model that learnt
  // nothing of the words cannot pass it by 0.3.
  expect(majority).toBeLessThan(0.5);
  expect(sparse).toBeGreaterThan(majority + 0.3);
  // The same seed, the same examples as whole rows: the same weights up to the order of float sums.
  expect(denseAccuracy(await prepare(LIMIT), "binary")).toBe(sparse);
}, 180_000);
