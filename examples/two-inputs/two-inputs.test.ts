import { expect, it } from "vitest";
import { main } from "./main";

it("lowers the loss at least tenfold on a target that depends on both inputs", () => {
  const { before, after } = main(() => {});
  expect(before / after).toBeGreaterThanOrEqual(10);
});
