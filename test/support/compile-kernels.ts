// The generated kernels of an IR as live functions, without writing a module: the step bodies the
// emitter would print, compiled with `new Function` (they are plain JavaScript).

import type { GraphIR } from "../../dsl/ir";
import { createBuffersBody, hoistBuffers, planModel, RUNTIME_HELPERS } from "../../codegen/emit-module";
import type { KernelBuffers, Kernels, UniformSource } from "../../runtime/kernels";
import * as runtime from "../../runtime/index";
import { residentFloats } from "../../runtime/gemm/gemm";

type StepFn = (bufs: KernelBuffers, batch: number) => void;

/** What each set of buffers' resident regions belong to. */
const owners = new WeakMap<KernelBuffers, object>();

/** A kernel (bufs, batch) => ... with the runtime functions a generated module imports in scope. */
function withHelpers(body: readonly string[]): unknown {
  const helpers = RUNTIME_HELPERS.map((name) => (runtime as Record<string, unknown>)[name]);
  return new Function(...RUNTIME_HELPERS, `return function (bufs, batch) {\n${body.join("\n")}\n};`)(...helpers);
}

/** Kernels whose createBuffers puts the float buffers in gemm's resident heap unless given `floats`. */
type TestKernels = Omit<Kernels, "createBuffers"> & {
  plan: ReturnType<typeof planModel>;
  createBuffers(maxBatch: number, params: readonly Float32Array[], grads: readonly Float32Array[], rng: UniformSource, floats?: (count: number) => Float32Array): KernelBuffers;
};

export function compileKernels(ir: GraphIR): TestKernels {
  const plan = planModel(ir);
  const compile = (body: readonly string[]) => withHelpers(hoistBuffers(body, plan.buffers)) as StepFn;
  const sequence = (steps: readonly { body: readonly string[] }[]) => {
    const fns = steps.map((s) => compile(s.body));
    return (bufs: KernelBuffers, batch: number) => fns.forEach((f) => f(bufs, batch));
  };
  const createBody = createBuffersBody(plan.buffers, ir, plan.lowering).join("\n").replace(/\]!;/g, "];");
  const createBuffers = new Function("maxBatch", "params", "grads", "rng", "floats", createBody) as Kernels["createBuffers"];
  return {
    plan,
    // float buffers in gemm's resident heap by default, as a model's are, kept while the buffers live
    createBuffers: (maxBatch: number, params: readonly Float32Array[], grads: readonly Float32Array[], rng: UniformSource, floats?: (count: number) => Float32Array) => {
      const owner = {};
      const bufs = createBuffers(maxBatch, params, grads, rng, floats ?? ((count) => residentFloats(count, owner)));
      owners.set(bufs, owner);
      return bufs;
    },
    forwardTrain: sequence(plan.train),
    forwardInfer: sequence(plan.infer),
    loss: withHelpers(hoistBuffers(plan.lossBody, plan.buffers)) as Kernels["loss"],
    backward: sequence(plan.backward),
    steps: {},
  };
}
