import ts from "typescript";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixtures, marker, root, type Fixture } from "./fixtures";
import { describeDiagnostic, fixtureProgram } from "./program";

// Every wrong model is ONE type error, on the offending line, whose message is the DSL's sentence;
// every right model type-checks cleanly and shows literal shapes. One program over all fixtures,
// with the options of the root tsconfig.json (moduleResolution "bundler" resolves "typegrad/dsl").

const wrong = fixtures("wrong");
const right = fixtures("right");

let program: ts.Program;
let checker: ts.TypeChecker;

beforeAll(() => {
  program = fixtureProgram([...wrong, ...right].map((f) => f.path));
  checker = program.getTypeChecker();
}, 120_000);

function sourceFile(fixture: Fixture): ts.SourceFile {
  const file = program.getSourceFile(fixture.path);
  if (!file) throw new Error(`${fixture.name} is not in the program`);
  return file;
}

function diagnostics(fixture: Fixture): readonly ts.Diagnostic[] {
  const file = sourceFile(fixture);
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
}

describe("the fixture program", () => {
  it("has no option or global diagnostics", () => {
    expect([...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(describeDiagnostic)).toEqual([]);
  });

  it("has at least 30 wrong fixtures and some right ones", () => {
    expect(wrong.length).toBeGreaterThanOrEqual(30);
    expect(right.length).toBeGreaterThanOrEqual(10);
  });

  it("resolves typegrad/dsl to the package's own dsl/index.ts", () => {
    // Only the fixtures are roots: dsl/index.ts is in the program because "typegrad/dsl" resolved to it.
    expect(program.getRootFileNames().some((name) => name.includes("/dsl/"))).toBe(false);
    expect(program.getSourceFile(join(root, "dsl", "index.ts"))).toBeDefined();
  });
});

describe("wrong models: one error, on the offending line, naming the operation and the sizes", () => {
  for (const fixture of wrong) {
    it(fixture.name, () => {
      const { sentence, line } = marker(fixture);
      expect(fixture.source).toContain('from "typegrad/dsl"');
      const found = diagnostics(fixture);
      expect(found.map(describeDiagnostic)).toHaveLength(1);
      const [error] = found;
      expect(error!.category).toBe(ts.DiagnosticCategory.Error);
      expect(error!.file?.getLineAndCharacterOfPosition(error!.start!).line, describeDiagnostic(error!)).toBe(line);
      expect(ts.flattenDiagnosticMessageText(error!.messageText, "\n")).toContain(sentence);
    });
  }
});

describe("right models: no diagnostics", () => {
  for (const fixture of right) {
    it(fixture.name, () => {
      expect(diagnostics(fixture).map(describeDiagnostic)).toEqual([]);
    });
  }
});

// What the editor shows on hover: the literal shape, not a union, not number[], not never.
const hovers: Record<string, Record<string, string>> = {
  "add-style.ts": {
    mlp: 'CompiledModel<[[10000]], [20], ["float32"]>',
    sentiment: 'CompiledModel<[[100]], [1], ["int32"]>',
    full: 'CompiledModel<[[784]], [10], ["float32"]>',
    small: 'Sequential<Tensor<[4], "float32">, Tensor<[1], "float32">, false>',
    sentimentStack: 'Sequential<Tensor<[100], "int32">, Tensor<[1], "float32">, false>',
    recurrent: 'Sequential<Tensor<[50, 1], "float32">, Tensor<[1], "float32">, false>',
    recurrentFirst: 'Sequential<Tensor<[50, 1], "float32">, Tensor<[1], "float32">, false>',
    hidden: 'Sequential<Tensor<[784], "float32">, Tensor<[256], "float32">, false>',
    classifier: 'Sequential<Tensor<[784], "float32">, Tensor<[10], "float32">, false>',
    listedThenAdded: 'Sequential<Tensor<[784], "float32">, Tensor<[10], "float32">, false>',
  },
  "two-inputs.ts": {
    x: 'Tensor<[8], "float32">',
    joined: 'Tensor<[16], "float32">',
    z: 'Tensor<[1], "float32">',
  },
  "nnlm.ts": {
    window: 'Tensor<[3], "int32">',
    vectors: 'Tensor<[3, 64], "float32">',
    next: 'Tensor<[5000], "float32">',
  },
  "every-op.ts": {
    projected: 'Tensor<[3], "float32">',
    projectedSeq: 'Tensor<[5, 3], "float32">',
    joined: 'Tensor<[9], "float32">',
    joinedSeq: 'Tensor<[5, 7], "float32">',
    activated: 'Tensor<[9], "float32">',
    flat: 'Tensor<[35], "float32">',
    grid: 'Tensor<[7, 5], "float32">',
  },
  "reduce.ts": {
    columnSums: 'Tensor<[5], "float32">',
    rowMeans: 'Tensor<[7], "float32">',
    total: 'Tensor<[], "float32">',
    average: 'Tensor<[], "float32">',
    lastAxis: 'Tensor<[1], "float32">',
  },
  "annotations.ts": {
    bigJoined: 'Tensor<[100000], "float32">',
    bigFlat: 'Tensor<[100000], "float32">',
    bigReshaped: 'Tensor<[1000, 100], "float32">',
  },
};

function declaration(file: ts.SourceFile, name: string): ts.VariableDeclaration {
  let found: ts.VariableDeclaration | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name) found ??= node;
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!found) throw new Error(`no declaration of ${name} in ${file.fileName}`);
  return found;
}

describe("hover types of well-typed results", () => {
  for (const [name, expected] of Object.entries(hovers)) {
    it(name, () => {
      const fixture = right.find((f) => f.name === name);
      expect(fixture, `right/${name}`).toBeDefined();
      const file = sourceFile(fixture!);
      const shown: Record<string, string> = {};
      for (const variable of Object.keys(expected)) {
        const decl = declaration(file, variable);
        expect(decl.type, `${variable} must be unannotated, so its type is inferred`).toBeUndefined();
        const type = checker.getTypeAtLocation(decl.name);
        expect(type.flags & (ts.TypeFlags.Union | ts.TypeFlags.Never), variable).toBe(0);
        shown[variable] = checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
      }
      expect(shown).toEqual(expected);
    });
  }

  it("annotated declarations keep their plain-tuple annotations (no casts needed)", () => {
    const file = sourceFile(right.find((f) => f.name === "annotations.ts")!);
    const shown = (name: string) => checker.typeToString(checker.getTypeAtLocation(declaration(file, name).name));
    expect(shown("h")).toBe('Tensor<[256], "float32">');
    expect(shown("big")).toBe('Tensor<[100000], "float32">');
    expect(shown("f")).toBe('Tensor<[100000], "float32">');
  });
});
