import { describe, expect, it } from "vitest";
import { add, dense, input, model, relu, sequential, sgd } from "typegrad/dsl";
import type { GraphIR } from "../../dsl/ir";
import { gradients } from "../../codegen/interpreter";
import { denseStackOf } from "../../codegen/kernels/dense-stack";
import { DenseStep } from "../../runtime/dense-step/dense-step";
import { denseStackWeightSizes } from "../../runtime/dense-step/dense-stack";
import { Random } from "../../runtime/random";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { compileKernels } from "../support/compile-kernels";

// relu's derivative at exactly 0 is 0, as TensorFlow's ReluGrad (gradient * (features > 0)) and
// JAX's relu give it, in the interpreter, the generated JavaScript kernels (relu fused into a
// Dense layer's store, and a relu op of its own) and the fused WebAssembly step of a dense stack.
// Finite differences cannot see this (a kink), so the expected gradients are worked out by hand.
//
// x = [1, 2]; the first layer's kernel [[1, 1], [1, 1]] and bias [-3, -1] give z = [0, 2] exactly,
// so h = relu(z) = [0, 2]; the output 2·h0 + 3·h1 = 6 against a target of 4 makes the mean squared
// error 4 and dL/dout = 2·(6 − 4) = 4, so dL/dh = [8, 12] and dL/dz = [8·relu'(0), 12] = [0, 12].
// Then dKernel = xᵀ·dz = [[0, 12], [0, 24]], dBias = [0, 12], and the second kernel's gradient is
// 4·h = [0, 8]. With a slope of 1 at 0, dz would be [8, 12] and the first column 8, 16.

const compile = { loss: "meanSquaredError", optimizer: sgd({ learningRate: 1 }) } as const;
const second = () => dense(1, { useBias: false, kernel: [[2], [3]] });

/** relu fused into the first Dense layer. */
const fused = sequential(input([2]), dense(2, { activation: "relu", kernel: [[1, 1], [1, 1]], bias: [-3, -1] }), second()).compile(compile).ir;
const FUSED_GRADIENTS = [[0, 12, 0, 24], [0, 12], [0, 8]];

/** relu as an op of its own, after an add: a = [0, 1], z = a + a = [0, 2]; dL/da = 2·dz = [0, 24]. */
const separateOp = (() => {
  const x = input([2]);
  const a = dense(2, { kernel: [[1, 1], [1, 1]], bias: [-3, -2] })(x);
  return model({ inputs: x, outputs: second()(relu(add(a, a))) }).compile(compile).ir;
})();
const SEPARATE_GRADIENTS = [[0, 24, 0, 48], [0, 24], [0, 8]];

const X = [1, 2];
const Y = [4];

function explicitWeights(ir: GraphIR): Float32Array[] {
  return ir.params.map((p) => {
    if (p.initializer.name !== "values") throw new Error(`${p.name} has no explicit values`);
    return Float32Array.from(p.initializer.values);
  });
}

function interpreterGradients(ir: GraphIR): number[][] {
  const params = new Map(ir.params.map((p, i) => [p.name, Float64Array.from(explicitWeights(ir)[i]!)]));
  const { grads, loss } = gradients(ir, params, [Float64Array.from(X)], Float64Array.from(Y), 1, { training: true });
  expect(loss).toBe(4);
  return ir.params.map((p) => Array.from(grads.get(p.name)!));
}

function kernelGradients(ir: GraphIR): number[][] {
  const kernels = compileKernels(ir);
  const grads = ir.params.map((p) => new Float32Array(p.shape.reduce((a, b) => a * b, 1)));
  const bufs = kernels.createBuffers(1, explicitWeights(ir), grads, new Random(1));
  (bufs.inputs[0] as Float32Array).set(X);
  bufs.target.set(Y);
  kernels.forwardTrain(bufs, 1);
  expect(kernels.loss(bufs, 1)).toBe(4);
  kernels.backward(bufs, 1);
  return grads.map((g) => Array.from(g));
}

describe("relu's derivative at exactly 0 is 0 (TensorFlow's and JAX's convention)", () => {
  it("in the float64 interpreter", () => {
    expect(interpreterGradients(fused)).toEqual(FUSED_GRADIENTS);
    expect(interpreterGradients(separateOp)).toEqual(SEPARATE_GRADIENTS);
  });

  it("in the generated kernels: relu fused into the Dense layer, and a relu op of its own", () => {
    expect(compileKernels(separateOp).plan.backward.map((step) => step.comment)).toContain("relu: d_add_out from d_relu_out through relu");
    expect(kernelGradients(fused)).toEqual(FUSED_GRADIENTS);
    expect(kernelGradients(separateOp)).toEqual(SEPARATE_GRADIENTS);
  });

  it.runIf(hostWasm())("in the fused WebAssembly step of a dense stack", () => {
    const stack = denseStackOf(fused)!;
    expect(stack.layers.map((l) => l.activation)).toEqual(["relu", "linear"]);
    const step = DenseStep.create(stack)!;
    step.weights.set(explicitWeights(fused).flatMap((w) => Array.from(w)));
    const bufs = { inputs: [Float32Array.from(X)], target: Float32Array.from(Y), output: new Float32Array(1) };
    expect(step.run(bufs, 1, true, true)).toBe(4);
    let at = 0;
    expect(denseStackWeightSizes(stack).map((size) => Array.from(step.grads.slice(at, (at += size))))).toEqual(FUSED_GRADIENTS);
  });
});
