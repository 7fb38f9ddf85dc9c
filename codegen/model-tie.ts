// The generated module's type-only tie to its model file (runtime/up-to-date.ts): when the model's
// input or output shapes change and nobody runs `typegrad gen`, the user's tsc and editor say so.

import { posix } from "node:path";
import type { SourceFile } from "ts-morph";
import type { GraphIR } from "../dsl/ir";

export interface TiedModel {
  /** The export's name in the model file: "xorNet". */
  readonly exportName: string;
  readonly ir: GraphIR;
}

const tuple = (items: readonly unknown[]) => `[${items.join(", ")}]`;

function outputShape(ir: GraphIR): readonly number[] {
  const output = ir.nodes.find((n) => n.id === ir.outputs[0]);
  if (!output) throw new Error(`the IR has no node for its output ${ir.outputs[0]}`);
  return output.shape;
}

/** "[2]" for a float input, "[5] int32" otherwise. */
function inputText(input: GraphIR["inputs"][number]): string {
  return input.dtype === "float32" ? tuple(input.shape) : `${tuple(input.shape)} ${input.dtype}`;
}

/** The sentence the user sees when the tie breaks. */
export function staleMessage(generatedFile: string, model: TiedModel): string {
  const inputs = model.ir.inputs.map(inputText);
  const takes = inputs.length === 1 ? inputs[0] : `${tuple(inputs)}`;
  return `${generatedFile} is out of date: ${model.exportName} no longer takes ${takes} and returns ${tuple(outputShape(model.ir))}; run typegrad gen`;
}

/**
 * Adds `import type * as models from "./NAME.model.js"` and, per model, a statement that fails to
 * type-check with `staleMessage` when the model's shapes differ from the ones generated here.
 * `modelFile` is the model file's path relative to the project ("examples/xor/xor.model.ts").
 */
export function addModelTie(file: SourceFile, models: readonly TiedModel[], modelFile: string): void {
  const base = posix.basename(modelFile.split("\\").join("/"));
  const generatedFile = base.replace(/\.model\.ts$/, ".gen.ts").replace(/(?<!\.gen)\.ts$/, ".gen.ts");
  file.addImportDeclaration({ isTypeOnly: true, namespaceImport: "models", moduleSpecifier: `./${base.replace(/\.ts$/, ".js")}` });
  file.addStatements([
    `\n// Type-only ties to ${base}: a type error below means a model's shapes changed since this file was generated.`,
    ...models.map((model) => {
      const inputs = tuple(model.ir.inputs.map((i) => tuple(i.shape)));
      const dtypes = tuple(model.ir.inputs.map((i) => JSON.stringify(i.dtype)));
      const message = JSON.stringify(staleMessage(generatedFile, model));
      return `true satisfies UpToDate<typeof models.${model.exportName}, ${inputs}, ${tuple(outputShape(model.ir))}, ${dtypes}, ${message}>;`;
    }),
  ]);
}
