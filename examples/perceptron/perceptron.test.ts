import { expect, it } from "vitest";
import { main } from "./main";

it("computes AND, NAND and OR with step perceptrons; one layer fails XOR and two layers learn it", () => {
  const { truthTables, singleAccuracy, multiAccuracy } = main(() => {});
  expect(truthTables.AND).toEqual([0, 0, 0, 1]);
  expect(truthTables.NAND).toEqual([1, 1, 1, 0]);
  expect(truthTables.OR).toEqual([0, 1, 1, 1]);
  expect(singleAccuracy).toBeLessThanOrEqual(0.75);
  expect(multiAccuracy).toBe(1);
});
