import { expect, it } from "vitest";
import { main } from "./main";

it("separates the held-out points with accuracy at least 0.95", () => {
  expect(main(() => {}).testAccuracy).toBeGreaterThanOrEqual(0.95);
});
