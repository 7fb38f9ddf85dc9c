// A working GeneratedModel for a compiled DSL model, without writing a module: the kernels come
// from compileKernels, the spec from the IR (as the emitter would write them).

import { hashIR } from "../../dsl/hash";
import type { CompiledModel } from "../../dsl/models/compiled-model";
import { modelSpec } from "../../codegen/emit-module";
import { GeneratedModel, RUNTIME_GENERATED_FORMAT, type ModelOptions } from "../../runtime/generated-model";
import type { Shape } from "../../dsl/types/shape";
import { compileKernels } from "./compile-kernels";
import { denseStackOf } from "../../codegen/kernels/dense-stack";

/** The class a generated module would export for the model: kernels compiled once, instances made with `new`. */
export function liveModelClass(compiled: CompiledModel, fusedDenseStep = false): new (options?: ModelOptions) => GeneratedModel<readonly [Shape], Shape> {
  const ir = compiled.ir;
  const compiledKernels = compileKernels(ir);
  const stack = fusedDenseStep ? denseStackOf(ir) : null;
  if (fusedDenseStep && !stack) throw new Error("liveModelClass: the model is not a dense stack the fused step trains");
  const kernels = stack ? { ...compiledKernels, denseStack: stack } : compiledKernels;
  const spec = modelSpec(ir, kernels.plan.lowering);
  return class Live extends GeneratedModel<readonly [Shape], Shape> {
    constructor(options?: ModelOptions) {
      super(spec, hashIR(ir), RUNTIME_GENERATED_FORMAT, kernels, options);
    }
  };
}

export function liveModel(compiled: CompiledModel, options?: ModelOptions): GeneratedModel<readonly [Shape], Shape> {
  return new (liveModelClass(compiled))(options);
}

/** As liveModel, trained by the fused WebAssembly step of a dense stack, as a generated module of the model would be. */
export function liveDenseStepModel(compiled: CompiledModel): GeneratedModel<readonly [Shape], Shape> {
  return new (liveModelClass(compiled, true))();
}
