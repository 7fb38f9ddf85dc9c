// A working GeneratedModel for a compiled DSL model, without writing a module: the kernels come
// from compileKernels, the spec from the IR (as the emitter would write them).

import { hashIR } from "../../dsl/hash";
import type { CompiledModel } from "../../dsl/models/compiled-model";
import { summaryText } from "../../dsl/summary";
import { GeneratedModel, RUNTIME_GENERATED_FORMAT } from "../../runtime/generated-model";
import type { Shape } from "../../dsl/types/shape";
import { compileKernels } from "./compile-kernels";

export function liveModel(compiled: CompiledModel): GeneratedModel<readonly [Shape], Shape> {
  const ir = compiled.ir;
  const kernels = compileKernels(ir);
  const { nodes: _nodes, ...rest } = ir;
  const outputShape = ir.nodes.find((n) => n.id === ir.outputs[0])!.shape;
  const spec = { ...rest, outputShape, summary: summaryText(ir) };
  class Live extends GeneratedModel<readonly [Shape], Shape> {
    constructor() {
      super(spec, hashIR(ir), RUNTIME_GENERATED_FORMAT, kernels);
    }
  }
  return new Live();
}
