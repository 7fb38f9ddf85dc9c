// Generates a module's source for a compiled model, as `npm run gen` would.

import type { CompiledModel } from "../../dsl/models/compiled-model";
import { emitModule } from "../../codegen/emit-module";

export function generateSource(model: CompiledModel, className = "Net"): Promise<string> {
  return emitModule([{ exportName: className[0]!.toLowerCase() + className.slice(1), className, ir: model.ir }], {
    sourceFile: "test/model.model.ts",
    version: "0.0.0-test",
  });
}
