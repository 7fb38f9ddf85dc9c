import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { genFile, type GenOutcome } from "../../codegen/gen";

// `typegrad gen` on model files written in Keras' .add style: found and generated as the variadic
// form is, into the same module (the IR and its hash are the same), and a layer that does not fit
// is reported where tsc reports it, on the argument of its .add.

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsconfig = join(root, "tsconfig.json");
let dir: string;

const added = `import { dense, dropout, embedding, sequential, simpleRNN } from "typegrad/dsl";

export const textMlp = sequential()
  .add(dense(64, { inputShape: [300], activation: "relu" }))
  .add(dropout(0.5))
  .add(dense(5, "softmax"))
  .compile({ loss: "categoricalCrossentropy", optimizer: "adam", metrics: ["accuracy"] });

export const sentiment = sequential()
  .add(embedding(50, 8, { inputShape: [12] }))
  .add(simpleRNN(8))
  .add(dense(1, "sigmoid"))
  .compile({ loss: "binaryCrossentropy", optimizer: "rmsprop" });
`;

const listed = `import { dense, dropout, embedding, input, sequential, simpleRNN } from "typegrad/dsl";

export const textMlp = sequential(input([300]), dense(64, "relu"), dropout(0.5), dense(5, "softmax")).compile({
  loss: "categoricalCrossentropy",
  optimizer: "adam",
  metrics: ["accuracy"],
});

export const sentiment = sequential(input([12], { dtype: "int32" }), embedding(50, 8), simpleRNN(8), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: "rmsprop",
});
`;

const misfit = `import { dense, sequential } from "typegrad/dsl";

export const net = sequential()
  .add(dense(16, { inputShape: [10], activation: "relu" }))
  .add(dense(4, { inputDim: 8 }))
  .compile({ loss: "meanSquaredError" });
`;

const outcomes: Record<string, GenOutcome> = {};

beforeAll(async () => {
  mkdirSync(join(root, "test", ".tmp"), { recursive: true });
  dir = mkdtempSync(join(root, "test", ".tmp", "gen-add-"));
  for (const [name, source] of Object.entries({ added, listed, misfit })) {
    writeFileSync(join(dir, `${name}.model.ts`), source);
    outcomes[name] = await genFile(join(dir, `${name}.model.ts`), { root, tsconfig });
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The generated module without the two lines that name its own model file. */
function generated(name: string): string {
  return readFileSync(join(dir, `${name}.gen.ts`), "utf8").replace(new RegExp(`\\b${name}\\.(model|gen)\\b`, "g"), "NAME.$1");
}

describe("typegrad gen on .add-built models", () => {
  it("writes the module of each file", () => {
    expect(outcomes.added).toMatchObject({ status: "written" });
    expect(outcomes.listed).toMatchObject({ status: "written" });
  });

  it("writes the same module for the .add form as for the variadic form", () => {
    const text = generated("added");
    expect(text).toContain("export class TextMlp extends GeneratedModel<[[300]], [5], true>");
    expect(text).toContain("export class Sentiment extends GeneratedModel<[[12]], [1], false>");
    expect(text).toBe(generated("listed"));
  });

  it("reports a layer that does not fit at its .add argument, with the DSL's sentence", () => {
    const outcome = outcomes.misfit!;
    expect(outcome.status).toBe("failed");
    expect(outcome.message).toBe("dense: expects 8 input features, got 16");
    // Line 5, `  .add(dense(4, { inputDim: 8 }))`: tsc puts the error on the argument, column 8.
    expect(outcome.location).toEqual({ file: relative(root, join(dir, "misfit.model.ts")), line: 5, column: 8 });
  });
});
