import { expect, it } from "vitest";
import { main } from "./main";

it("runs 2000/batchSize iterations an epoch, and more updates an epoch lower the loss faster", () => {
  const { runs } = main(() => {});
  expect(runs.map((r) => r.iterations)).toEqual([1, 10, 2000]);
  for (const run of runs) expect(run.losses.at(-1)!).toBeLessThan(run.losses[0]!);
  const [full, mini, stochastic] = runs.map((r) => r.losses.at(-1)!) as [number, number, number];
  expect(mini).toBeLessThan(full);
  expect(stochastic).toBeLessThan(full);
});
