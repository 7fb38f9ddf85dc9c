import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { strictIndexing } from "../../codegen/strict-indexing";

// A generated module is compiled by the user's tsc under the user's flags: every committed one
// must type-check under the strictest common ones (`tsc --init` turns on noUncheckedIndexedAccess
// and exactOptionalPropertyTypes). And its type-only tie to the model file must break, saying
// "run typegrad gen", when the model's shapes change without regenerating.

const root = fileURLToPath(new URL("../..", import.meta.url));

const STRICTEST: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noImplicitReturns: true,
  noImplicitOverride: true,
  noPropertyAccessFromIndexSignature: true,
  noFallthroughCasesInSwitch: true,
};

function generatedFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? generatedFiles(join(dir, e.name)) : e.name.endsWith(".gen.ts") ? [join(dir, e.name)] : [],
  );
}

const committed = [...generatedFiles(join(root, "examples")), ...generatedFiles(join(root, "bench"))];
let scratch: string;
let program: ts.Program;

/** Copies of the XOR example, with its model edited as a user might without regenerating. */
const EDITS = {
  unchanged: (model: string) => model,
  inputShape: (model: string) => model.replace("input([2])", "input([3])"),
  outputShape: (model: string) => model.replace('dense(1, "sigmoid")', 'dense(2, "sigmoid")'),
  hiddenUnits: (model: string) => model.replace('dense(8, "tanh")', 'dense(16, "tanh")'),
};

function copyOfXor(edit: keyof typeof EDITS): string {
  const dir = join(scratch, edit);
  mkdirSync(dir);
  const model = readFileSync(join(root, "examples", "xor", "xor.model.ts"), "utf8");
  const edited = EDITS[edit](model);
  if (edit !== "unchanged" && edited === model) throw new Error(`the edit ${edit} changed nothing`);
  writeFileSync(join(dir, "xor.model.ts"), edited);
  copyFileSync(join(root, "examples", "xor", "xor.gen.ts"), join(dir, "xor.gen.ts"));
  return join(dir, "xor.gen.ts");
}

function messages(file: string): string[] {
  const source = program.getSourceFile(file)!;
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
    const line = d.start === undefined ? "?" : source.getLineAndCharacterOfPosition(d.start).line + 1;
    return `${relative(root, file)}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

beforeAll(() => {
  mkdirSync(join(root, "test", ".tmp"), { recursive: true });
  scratch = mkdtempSync(join(root, "test", ".tmp", "tie-"));
  const copies = (Object.keys(EDITS) as (keyof typeof EDITS)[]).map(copyOfXor);
  const configPath = join(root, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  program = ts.createProgram([...committed, ...copies], { ...parsed.options, ...STRICTEST });
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("generated modules under the user's flags", () => {
  it("finds the committed generated modules", () => {
    expect(committed.length).toBeGreaterThan(5);
  });

  it("every committed generated module type-checks under the strictest flags", () => {
    expect(committed.flatMap(messages)).toEqual([]);
  });

  it("the strict pass asserts element reads, not plain writes, and marks unused parameters", () => {
    const out = strictIndexing("function f(a: Float32Array, n: number, unused: number) { a[0] = a[1] + a[n]; a[2] += 1; a[3]++; return params[0]!; }");
    expect(out).toBe("function f(a: Float32Array, n: number, _unused: number) { a[0] = a[1]! + a[n]!; a[2]! += 1; a[3]!++; return params[0]!; }");
  });
});

describe("the type-only tie between a generated module and its model file", () => {
  it("holds while the model is unchanged", () => {
    expect(messages(join(scratch, "unchanged", "xor.gen.ts"))).toEqual([]);
  });

  it.each(["inputShape", "outputShape"])("breaks on the generated file, saying run typegrad gen, when the model's %s changes", (edit) => {
    const found = messages(join(scratch, edit, "xor.gen.ts"));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/xor\.gen\.ts:\d+: Type 'true' does not satisfy the expected type '"xor\.gen\.ts is out of date: xorNet no longer takes \[2\] and returns \[1\]; run typegrad gen"'/);
  });

  it("cannot see a change that keeps the input and output shapes (only typegrad gen --check can)", () => {
    expect(messages(join(scratch, "hiddenUnits", "xor.gen.ts"))).toEqual([]);
  });

  it("is type-only: the generated module never loads its model file at run time", () => {
    for (const file of committed) expect(readFileSync(file, "utf8")).toMatch(/^import type \* as models from "\.\/[\w-]+\.model\.js";$/m);
    const emitted = ts.transpileModule(readFileSync(committed[0]!, "utf8"), { compilerOptions: { module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true } }).outputText;
    expect(emitted).not.toMatch(/^\s*(import|export)\b.*\.model/m);
    expect(emitted).toMatch(/from "typegrad\/runtime"/);
  });
});
