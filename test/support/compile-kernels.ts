// The generated kernels of an IR as live functions, without writing a module: the step bodies the
// emitter would print, compiled with `new Function` (they are plain JavaScript).

import type { GraphIR } from "../../dsl/ir";
import { createBuffersBody, hoistBuffers, planModel } from "../../codegen/emit-module";
import type { KernelBuffers, Kernels, UniformSource } from "../../runtime/kernels";
import { gemm } from "../../runtime/gemm/gemm";
import { sigmoidInPlace } from "../../runtime/activations/sigmoid";
import { softmaxRows } from "../../runtime/activations/softmax";
import { crossentropyGradient } from "../../runtime/rows/crossentropy-gradient";
import { crossentropyLoss } from "../../runtime/rows/crossentropy-loss";
import { sumColumns } from "../../runtime/rows/sum-columns";
import { rationalTanh } from "../../runtime/activations/rational-tanh";
import { sparseProduct, sparseWeightGradient } from "../../runtime/sparse/sparse-product";
import { zeroWrittenRows } from "../../runtime/sparse/zero-written-rows";
import { gruCellBackward, gruCellForward, gruGates, lstmCellBackward, lstmCellForward, lstmGates, tanhRows, tanhRowsBackward } from "../../runtime/activations/gates";

type StepFn = (bufs: KernelBuffers, batch: number) => void;

/** A kernel (bufs, batch) => ... with the runtime functions a generated module imports in scope. */
function withHelpers(body: readonly string[]): unknown {
  return new Function("gemm", "sigmoidInPlace", "softmaxRows", "crossentropyGradient", "crossentropyLoss", "sumColumns", "rationalTanh", "lstmGates", "lstmCellForward", "lstmCellBackward", "tanhRows", "tanhRowsBackward", "gruGates", "gruCellForward", "gruCellBackward", "sparseProduct", "sparseWeightGradient", "zeroWrittenRows", `return function (bufs, batch) {\n${body.join("\n")}\n};`)(
    gemm,
    sigmoidInPlace,
    softmaxRows,
    crossentropyGradient,
    crossentropyLoss,
    sumColumns,
    rationalTanh,
    lstmGates,
    lstmCellForward,
    lstmCellBackward,
    tanhRows,
    tanhRowsBackward,
    gruGates,
    gruCellForward,
    gruCellBackward,
    sparseProduct,
    sparseWeightGradient,
    zeroWrittenRows,
  );
}

export function compileKernels(ir: GraphIR): Kernels & { plan: ReturnType<typeof planModel> } {
  const plan = planModel(ir);
  const compile = (body: readonly string[]) => withHelpers(hoistBuffers(body, plan.buffers)) as StepFn;
  const sequence = (steps: readonly { body: readonly string[] }[]) => {
    const fns = steps.map((s) => compile(s.body));
    return (bufs: KernelBuffers, batch: number) => fns.forEach((f) => f(bufs, batch));
  };
  const createBody = createBuffersBody(plan.buffers, ir, plan.lowering).join("\n").replace(/\]!;/g, "];");
  const createBuffers = new Function("maxBatch", "params", "grads", "rng", createBody) as Kernels["createBuffers"];
  return {
    plan,
    createBuffers: (maxBatch: number, params: readonly Float32Array[], grads: readonly Float32Array[], rng: UniformSource) => createBuffers(maxBatch, params, grads, rng),
    forwardTrain: sequence(plan.train),
    forwardInfer: sequence(plan.infer),
    loss: withHelpers(hoistBuffers(plan.lossBody, plan.buffers)) as Kernels["loss"],
    backward: sequence(plan.backward),
    steps: {},
  };
}
