import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { fixtures, marker, type Fixture } from "./fixtures";
import { describeDiagnostic, fixtureProgram } from "./program";

// No cap on the depth of a Sequential model. An .add chain of 100 layers type-checks, and the type
// checker's work for it stays under a recorded budget; the variadic form's limit of 24 layers is a
// sentence that points to .add, not TS2554 ("Expected 2-25 arguments").

// Measured 5354 instantiations on 2026-12-03 (typescript 6.0.3) for add-chain-100.ts, counted after
// dsl/ itself is checked, i.e. beyond what a file that only imports the DSL needs (nothing). The
// budget is about 1.5x. Checking it took 0.14-0.40 s of CPU time (0.4-1.7 s wall) while other work
// kept the 2 cores at a load average of 12; the time is recorded here, not asserted.
const DEEP_CHAIN_BUDGET = 8_500;

const [chain] = fixtures("deep").filter((f) => f.name === "add-chain-100.ts");
const typeOnly = fixtures("type-only");

let program: ts.Program;
let chainInstantiations: number;
let chainDiagnostics: readonly ts.Diagnostic[];

function diagnostics(fixture: Fixture): readonly ts.Diagnostic[] {
  const file = program.getSourceFile(fixture.path)!;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
}

beforeAll(() => {
  program = fixtureProgram([chain!.path, ...typeOnly.map((f) => f.path)]);
  for (const file of program.getSourceFiles()) if (file.fileName.includes("/dsl/")) program.getSemanticDiagnostics(file);
  const before = program.getInstantiationCount();
  chainDiagnostics = diagnostics(chain!);
  chainInstantiations = program.getInstantiationCount() - before;
}, 120_000);

describe("a 100-layer .add chain", () => {
  it("has 100 .add calls and type-checks cleanly", () => {
    expect(chain!.source.match(/^\s*\.add\(/gm)).toHaveLength(100);
    expect(chainDiagnostics.map(describeDiagnostic)).toEqual([]);
  });

  it(`needs fewer than ${DEEP_CHAIN_BUDGET} type instantiations beyond the DSL's own`, () => {
    expect(chainInstantiations).toBeGreaterThan(1000);
    expect(chainInstantiations).toBeLessThan(DEEP_CHAIN_BUDGET);
  });

  it("builds its 100 layers at run time", async () => {
    const { deep } = (await import(/* @vite-ignore */ chain!.path)) as typeof import("./fixtures/deep/add-chain-100");
    const ir = deep.toIR();
    expect(ir.layers.filter((l) => l.type !== "InputLayer")).toHaveLength(100);
    expect(deep.output.shape).toEqual([10]);
  });
});

describe("the variadic form past 24 layers", () => {
  for (const fixture of typeOnly) {
    it(`${fixture.name}: one error, on the 25th layer, pointing to .add`, () => {
      const { sentence, line } = marker(fixture);
      const found = diagnostics(fixture);
      expect(found.map(describeDiagnostic)).toHaveLength(1);
      const [error] = found;
      expect(error!.code).not.toBe(2554);
      expect(error!.file?.getLineAndCharacterOfPosition(error!.start!).line, describeDiagnostic(error!)).toBe(line);
      expect(ts.flattenDiagnosticMessageText(error!.messageText, "\n")).toContain(sentence);
    });

    it(`${fixture.name}: builds in plain JavaScript, which has no limit`, async () => {
      const { net } = (await import(/* @vite-ignore */ fixture.path)) as { net: { toIR(): { layers: { type: string }[] } } };
      expect(net.toIR().layers.filter((l) => l.type === "Dense")).toHaveLength(25);
    });
  }
});
