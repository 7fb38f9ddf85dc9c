import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./fixtures";

// The type-level arithmetic must stay cheap: type-checking dsl/ and the right fixtures may not
// need many more type instantiations than it does today. Raise the budget only for a reason.

// Measured 31498 on 2026-11-28 (typescript 6.0.3, 12 right fixtures); the budget is about 1.5x.
// 2026-12-03: 37065 before the .add chain, 38731 with it (the Sequential class, inputShape checks),
// 41133 with the right fixture add-style.ts (15 right fixtures).
const INSTANTIATION_BUDGET = 47_000;

describe("type-checking cost", () => {
  it(`dsl/ and the right fixtures need fewer than ${INSTANTIATION_BUDGET} instantiations`, () => {
    const tsc = join(root, "node_modules", ".bin", "tsc");
    const config = join("test", "types", "tsconfig.fixtures.json");
    // Throws (with tsc's output) when tsc exits non-zero, i.e. on any type error.
    const out = execFileSync(tsc, ["--extendedDiagnostics", "--noEmit", "-p", config], { cwd: root, encoding: "utf8" });
    const match = /^Instantiations:\s+(\d+)\s*$/m.exec(out);
    expect(match, out).not.toBeNull();
    const instantiations = Number(match![1]);
    expect(instantiations).toBeGreaterThan(1000);
    expect(instantiations).toBeLessThan(INSTANTIATION_BUDGET);
  });
});
