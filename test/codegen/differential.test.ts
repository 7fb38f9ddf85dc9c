import fc from "fast-check";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { gradients, lossValue, forward } from "../../codegen/interpreter";
import type { GraphIR } from "../../dsl/ir";
import { className } from "../../codegen/class-name";
import { loadModels } from "../../codegen/load-models";
import type { KernelBuffers, Kernels, SparseRows } from "../../runtime/kernels";
import {
  activation,
  add,
  bidirectional,
  gru,
  lstm,
  simpleRNN,
  batchNormalization,
  concatenate,
  dense,
  dropout,
  embedding,
  l2,
  flatten,
  input,
  layerNormalization,
  mean,
  model,
  sequential,
  LOSSES,
  type AnyTensor,
  type Tensor,
} from "typegrad/dsl";
import { Random } from "../../runtime/random";
import { SparseMemory } from "../../runtime/sparse/sparse-memory";
import { weightStore } from "../../runtime/weight-store";
import { compileKernels } from "../support/compile-kernels";
import { residentFloats } from "../../runtime/gemm/gemm";
import { paddedIds, randomInputs, randomParams, randomTargets } from "../support/random-data";
import { LAYER_OPS, layerOpsIn, randomGraph } from "../support/random-graphs";

// The generated float32 kernels against the float64 reference interpreter: outputs, loss and the
// gradient of every trainable weight, in training mode (with the kernels' own dropout masks) and at
// inference. Relative error per tensor: ||kernels - interpreter|| / ||interpreter||.

const TOLERANCE = 1e-4;

const f32 = (a: Float64Array | Int32Array) => (a instanceof Int32Array ? a : Float32Array.from(a));
const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i]! - expected[i]!) ** 2;
    norm += expected[i]! ** 2;
  }
  // Below 1e-6 (say a gradient that is really zero) the comparison becomes absolute.
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-6);
}

interface Case {
  readonly ir: GraphIR;
  readonly kernels: Kernels;
  readonly batch: number;
  readonly seed: number;
  /** Multiplies the random weights: wide layers need small ones, or their activations saturate and the gradients drown in rounding. */
  readonly weightScale?: number;
  /** The inputs, where random ones will not do (token ids with padding laid out by example). */
  readonly inputs?: readonly (Float64Array | Int32Array)[];
  /** Keep the weights and gradients in a SparseMemory, as a model with a sparse input does: its sparse products then run on WebAssembly SIMD. */
  readonly sparseMemory?: boolean;
}

/** Weight and gradient arrays of the IR's parameters: plain, or views of a SparseMemory. */
function weightArrays(ir: GraphIR, sparseMemory: boolean): { weights: Float32Array[]; grads: Float32Array[] } {
  const sizes = ir.params.map((p) => p.shape.reduce((a, b) => a * b, 1));
  const gradSizes = sizes.filter((_, i) => ir.params[i]!.trainable);
  if (!sparseMemory) return { weights: sizes.map((s) => new Float32Array(s)), grads: gradSizes.map((s) => new Float32Array(s)) };
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
  const memory = SparseMemory.create(sum(sizes), sum(gradSizes), Math.max(...ir.inputs.map((i) => i.shape[0]!)));
  if (!memory) throw new Error("this case needs WebAssembly SIMD (Node 16.4 or later)");
  return { weights: weightStore(sizes, memory.weights), grads: weightStore(gradSizes, memory.grads) };
}

/** Runs both implementations on the same float32-representable data and returns the worst errors. */
function compare({ ir, kernels, batch, seed, weightScale = 1, inputs: given, sparseMemory = false }: Case): Record<string, number> {
  // Round the data to float32 first, so both sides see exactly the same numbers.
  const params = new Map([...randomParams(ir, seed)].map(([k, v]) => [k, f64(Float32Array.from(v, (w) => w * weightScale))]));
  // Sparse inputs get mostly zeros (the interpreter reads them as dense rows; the kernels as CSR).
  const inputs = (given ?? randomInputs(ir, batch, seed + 1, 5)).map((a, i) =>
    a instanceof Int32Array ? a : f64(Float32Array.from(a, (v, k) => (ir.inputs[i]!.sparse && (k * 7 + seed) % 10 < 7 ? 0 : v))),
  );
  const targets = f64(Float32Array.from(randomTargets(ir, batch, seed + 2)));
  const { weights, grads } = weightArrays(ir, sparseMemory);
  ir.params.forEach((p, i) => weights[i]!.set(params.get(p.name)!));
  // float buffers in gemm's resident heap, as a model's are (gemm then multiplies them where they lie)
  const owner = {};
  const bufs: KernelBuffers = kernels.createBuffers(batch, weights, grads, new Random(seed), (count) => residentFloats(count, owner));
  inputs.forEach((input, i) => {
    const buffer = bufs.inputs[i]!;
    if ("indptr" in buffer) toCsr(Float32Array.from(input), ir.inputs[i]!.shape[0]!, buffer);
    else buffer.set(f32(input));
  });
  bufs.target.set(targets);
  const errors: Record<string, number> = {};
  const output = ir.outputs[0]!;

  kernels.forwardInfer(bufs, batch);
  const reference = forward(ir, params, inputs, batch, { training: false });
  errors.output = relativeError(bufs.output.subarray(0, reference.get(output)!.length), reference.get(output)!);
  errors.loss = relativeError([kernels.loss(bufs, batch)], [lossValue(ir, reference, targets, batch, params)]);

  kernels.forwardTrain(bufs, batch);
  const masks = new Map<string, Float64Array>();
  for (const node of ir.nodes) {
    if (node.op !== "dropout") continue;
    const mask = (bufs as unknown as Record<string, Float32Array>)[`mask_${node.id}`];
    const size = batch * node.shape.reduce((a, b) => a * b, 1);
    // A kernel mask holds 0 or 1/(1-rate); the interpreter takes 0/1 (present only where the step was fused or emitted).
    masks.set(node.id, mask ? Float64Array.from(mask.subarray(0, size), (v) => (v > 0 ? 1 : 0)) : new Float64Array(size).fill(1));
  }
  const trainLoss = kernels.loss(bufs, batch);
  kernels.backward(bufs, batch);
  const result = gradients(ir, params, inputs, targets, batch, { training: true, dropoutMasks: masks });
  errors.trainLoss = relativeError([trainLoss], [result.loss]);
  ir.params.filter((p) => p.trainable).forEach((p, i) => (errors[`d_${p.name}`] = relativeError(grads[i]!, result.grads.get(p.name)!)));
  // State the training forward pass updates in place (batch normalisation's moving statistics).
  ir.params.forEach((p, i) => {
    const updated = result.stateUpdates.get(p.name);
    if (updated) errors[`updated ${p.name}`] = relativeError(weights[i]!, updated);
  });
  return errors;
}

function toCsr(dense: Float32Array, features: number, into: SparseRows): void {
  let nonZeros = 0;
  into.indptr[0] = 0;
  for (let r = 0; r < dense.length / features; r++) {
    for (let j = 0; j < features; j++) {
      const v = dense[r * features + j]!;
      if (v !== 0) (into.indices[nonZeros] = j), (into.values[nonZeros] = v), nonZeros++;
    }
    into.indptr[r + 1] = nonZeros;
  }
}

function worst(errors: Record<string, number>): [string, number] {
  return Object.entries(errors).reduce((a, b) => (b[1] > a[1] ? b : a), ["", 0]);
}

const RECURRENT_OPS: ReadonlySet<string> = new Set(["simpleRNN", "lstm", "gru"]);
// The examples, and the test fixtures generated beside them (masked models).
const modelFiles = ["examples", "test/fixtures"].flatMap((folder) => {
  const dir = fileURLToPath(new URL(`../../${folder}`, import.meta.url));
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".model.ts"))
    .map((file) => ({ name: `${folder}/${file}`, path: `${dir}/${file}` }));
});

/**
 * Smaller random weights for examples whose layers are wide. Under weights of up to 0.9, the NNLM's
 * 5000-way softmax saturates: a target's probability falls below the loss's 1e-7 clip, where the
 * interpreter's clipped loss has no gradient and the fused p − y seed (Keras' path from the logits) has one.
 */
const EXAMPLE_WEIGHT_SCALES: Readonly<Record<string, number>> = { "examples/nnlm/nnlm.model.ts": 0.1 };

describe("generated kernels agree with the float64 interpreter", () => {
  for (const { name: file, path } of modelFiles) {
    it(`${file}: every compiled model, from its committed generated module`, async () => {
      // As npm run gen loads them (a Module's shapes come from its type).
      const models = await loadModels(path, fileURLToPath(new URL("../../tsconfig.json", import.meta.url)));
      const generated = (await import(path.replace(/\.model\.ts$/, ".gen.ts"))) as Record<string, new () => unknown>;
      expect(models.length).toBeGreaterThan(0);
      for (const { exportName, ir } of models) {
        const instance = new generated[className(exportName)]!() as { kernels: Kernels };
        // The text examples (a 10,000-word input, or an embedding and 100 recurrent steps) take small
        // weights, as the large-layer case below: random weights of ±0.9 saturate them. A recurrent
        // layer applies its recurrent kernel at every step: with weights up to 0.9, the SimpleRNN(32)
        // of rnn-gates saturates its tanh over 30 steps and its recurrent kernel's gradient drowns in
        // rounding (an error of 5e-4 at full scale, 4e-6 at 0.7, the scale of the recurrent cases below).
        const weightCount = ir.params.reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
        const recurrent = ir.nodes.some((n) => RECURRENT_OPS.has(n.op));
        const weightScale = EXAMPLE_WEIGHT_SCALES[file] ?? (weightCount >= 1e5 ? 0.05 : recurrent ? 0.7 : 1);
        for (const batch of [1, 5]) {
          const [name, error] = worst(compare({ ir, kernels: instance.kernels, batch, seed: 17, weightScale }));
          expect(error, `${exportName} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
        }
      }
    });
  }

  it("sparse inputs (CSR rows): row-gather forward, scatter-add weight gradients", () => {
    const words = input([40], { sparse: true });
    const extra = input([3]);
    const joined = dense(1, "sigmoid")(concatenate(dense(6, "relu")(words), dense(2, "tanh")(extra)));
    const models = [
      sequential(input([30], { sparse: true }), dense(8, "relu"), dropout(0.5), dense(3, "softmax")).compile({ loss: "categoricalCrossentropy", optimizer: "adam" }),
      sequential(input([30], { sparse: true }), dense(5, { activation: "sigmoid", useBias: false })).compile({ loss: "meanSquaredError" }),
      model({ inputs: [words, extra], outputs: joined }).compile({ loss: "binaryCrossentropy" }),
    ];
    for (const [i, m] of models.entries()) {
      for (const batch of [1, 6]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels: compileKernels(m.ir), batch, seed: 3 + i }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it("sparse inputs on WebAssembly SIMD (weights in the sparse products' memory, widths a multiple of 16), the gradient zeroed whole or by touched rows", () => {
    const words = input([40], { sparse: true });
    const extra = input([3]);
    const joined = dense(1, "sigmoid")(concatenate(dense(32, "relu")(words), dense(2, "tanh")(extra)));
    const models = [
      sequential(input([30], { sparse: true }), dense(16, "relu"), dropout(0.5), dense(3, "softmax")).compile({ loss: "categoricalCrossentropy", optimizer: "adam" }),
      sequential(input([30], { sparse: true }), dense(16, { activation: "sigmoid", useBias: false, kernelRegularizer: l2(0.01) })).compile({ loss: "meanSquaredError" }),
      model({ inputs: [words, extra], outputs: joined }).compile({ loss: "binaryCrossentropy" }),
    ];
    for (const [i, m] of models.entries()) {
      const kernels = compileKernels(m.ir);
      for (const batch of [1, 6, 3]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels, batch, seed: 5 + i, sparseMemory: true }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it("large layers, whose products go to the runtime's WebAssembly gemm: forward with fused epilogue, both gradients, accumulation", () => {
    const x = input([300]);
    const hidden = dense(128, "relu")(x);
    const shared = dense(128, "tanh");
    const twice = shared(shared(hidden));
    const branches = concatenate(dense(130, "sigmoid")(twice), dense(140)(hidden));
    const models = [
      sequential(input([784]), dense(64, "relu"), dropout(0.25), dense(256, "sigmoid"), dense(10, "softmax")).compile({ loss: "categoricalCrossentropy", optimizer: "adam" }),
      model({ inputs: [x], outputs: dense(3, "softmax")(branches) }).compile({ loss: "categoricalCrossentropy" }),
    ];
    for (const [i, m] of models.entries()) {
      const kernels = compileKernels(m.ir);
      const calls = [...kernels.plan.train, ...kernels.plan.backward].flatMap((s) => s.body).filter((line) => line.startsWith("gemm(")).length;
      expect(calls, `model ${i}: products handed to gemm`).toBeGreaterThanOrEqual(i === 0 ? 5 : 12);
      for (const batch of [1, 7]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels, batch, seed: 11 + i, weightScale: 0.05 }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it("sigmoid layers of 8 units or more, which call the runtime's sigmoidInPlace (inline when dropout follows)", () => {
    const m = sequential(input([3]), dense(8, "sigmoid"), dense(16, "sigmoid"), dropout(0.3), dense(9, "sigmoid"), dense(2, "sigmoid")).compile({ loss: "binaryCrossentropy", optimizer: "sgd" });
    const kernels = compileKernels(m.ir);
    const calls = (steps: readonly { body: readonly string[] }[]) => steps.flatMap((s) => s.body).filter((line) => line.startsWith("sigmoidInPlace(")).length;
    // 8 and 9 units: the call; 16 units (dropout fused into its store) and 2 units: inline.
    expect(calls(kernels.plan.train)).toBe(2);
    expect(calls(kernels.plan.infer)).toBe(3);
    for (const batch of [1, 3, 6]) {
      const [name, error] = worst(compare({ ir: m.ir, kernels, batch, seed: 21 + batch }));
      expect(error, `batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
    }
  });

  it("bias gradients of 64 columns or more, summed four columns at a time (256 or more: by the runtime's sumColumns): each the float64 sum down the rows, rounded once, bit for bit", () => {
    for (const width of [64, 70, 301]) {
      const m = sequential(input([3]), dense(width)).compile({ loss: "meanSquaredError", optimizer: "sgd" });
      const kernels = compileKernels(m.ir);
      expect(kernels.plan.backward.flatMap((s) => s.body).some((line) => line.startsWith(width >= 256 ? "sumColumns(" : "let total0 = 0"))).toBe(true);
      const batch = 9;
      const weights = m.ir.params.map((p) => Float32Array.from([...randomParams(m.ir, 3).get(p.name)!]));
      const grads = weights.map((w) => new Float32Array(w.length));
      const bufs = kernels.createBuffers(batch, weights, grads, new Random(1));
      (bufs.inputs[0] as Float32Array).set(Float32Array.from(randomInputs(m.ir, batch, 4, 5)[0]!));
      bufs.target.set(Float32Array.from(randomTargets(m.ir, batch, 5)));
      kernels.forwardTrain(bufs, batch);
      kernels.backward(bufs, batch);
      const dz = (bufs as unknown as Record<string, Float32Array>).d_dense_out!;
      const expected = Float32Array.from({ length: width }, (_, j) => {
        let total = 0;
        for (let r = 0; r < batch; r++) total += dz[r * width + j]!;
        return total;
      });
      expect(grads[1], `width ${width}`).toEqual(expected);
      expect(Math.max(...grads[1]!.map(Math.abs))).toBeGreaterThan(0);
    }
  });

  it("softmax rows of 64 or more, which call the runtime's softmaxRows (256 or more: its crossentropyLoss, crossentropyGradient and sumColumns too): a dense layer's and a standalone one, both losses", () => {
    const words = input([3], { dtype: "int32" });
    const hidden = dense(16, "tanh")(flatten(embedding(300, 8)(words)));
    const models = [
      model({ inputs: words, outputs: dense(300, "softmax")(hidden) }).compile({ loss: "sparseCategoricalCrossentropy", optimizer: "adam" }),
      sequential(input([5]), dense(70), activation("softmax")).compile({ loss: "categoricalCrossentropy", optimizer: "sgd" }),
      sequential(input([5]), dense(63, "softmax")).compile({ loss: "categoricalCrossentropy", optimizer: "sgd" }),
      sequential(input([5]), dense(258, "softmax")).compile({ loss: "categoricalCrossentropy", optimizer: "sgd" }),
    ];
    const calls = (steps: readonly { body: readonly string[] }[], helper = "softmaxRows") => steps.flatMap((s) => s.body).filter((line) => line.startsWith(`${helper}(`)).length;
    models.forEach((m, i) => {
      const kernels = compileKernels(m.ir);
      const wide = i === 0 || i === 3;
      expect(calls(kernels.plan.infer), `model ${i}`).toBe(i === 2 ? 0 : 1);
      expect(calls(kernels.plan.backward, "crossentropyGradient"), `model ${i}`).toBe(wide ? 1 : 0);
      expect(calls(kernels.plan.backward, "sumColumns"), `model ${i}`).toBe(wide ? 1 : 0);
      expect(kernels.plan.lossBody.some((line) => line.startsWith("total += crossentropyLoss(")), `model ${i}`).toBe(wide);
      for (const batch of [1, 5]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels, batch, seed: 40 + batch }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    });
  });

  it("embedding, batch normalisation and layer normalisation: gathers and scatter-adds, batch statistics and moving-statistic updates, shared layers", () => {
    const ids = input([2, 3], { dtype: "int32" });
    const table = embedding(7, 4);
    const twice = concatenate(flatten()(table(ids)), flatten()(table(ids)));
    const x = input([3, 4]);
    const sharedNorm = batchNormalization({ momentum: 0.9 });
    // A bias right before a batch normalisation has a zero gradient (the mean is taken out): rounding
    // noise against zero would be all the comparison saw, so those layers have none, as in Keras practice.
    const normTwice = sharedNorm(dense(4, { useBias: false })(sharedNorm(x)));
    const tokens = input([4], { dtype: "int32" });
    const flatInput = input([4]);
    const selfNorm = batchNormalization();
    const selfBatchNormed = selfNorm(selfNorm(dense(4, { useBias: false })(x)));
    const selfLayerNorm = layerNormalization();
    const selfLayerNormed = selfLayerNorm(selfLayerNorm(flatInput));
    const models = [
      sequential(input([5], { dtype: "int32" }), embedding(20, 4), flatten(), dense(3, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      model({ inputs: ids, outputs: dense(2)(twice) }).compile({ loss: "meanSquaredError" }),
      sequential(input([6]), dense(8, { useBias: false }), batchNormalization(), activation("relu"), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy" }),
      sequential(input([3, 4]), batchNormalization({ center: false }), flatten(), dense(2, "tanh")).compile({ loss: "meanSquaredError" }),
      sequential(input([5]), dense(6, "tanh"), batchNormalization({ scale: false, epsilon: 0.01 }), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      model({ inputs: x, outputs: dense(1)(flatten()(normTwice)) }).compile({ loss: "meanSquaredError" }),
      sequential(input([3, 5]), dense(4), layerNormalization(), dense(2, "softmax")).compile({ loss: "sparseCategoricalCrossentropy" }),
      sequential(input([6]), layerNormalization({ center: false }), dense(3, "relu"), layerNormalization({ scale: false }), dense(1)).compile({ loss: "meanAbsoluteError" }),
      // A normalisation applied to its own output: each call keeps its own tapes.
      model({ inputs: x, outputs: dense(2, "sigmoid")(flatten()(selfBatchNormed)) }).compile({ loss: "binaryCrossentropy" }),
      model({ inputs: flatInput, outputs: dense(2, "sigmoid")(selfLayerNormed) }).compile({ loss: "binaryCrossentropy" }),
      model({ inputs: tokens, outputs: dense(1, "sigmoid")(mean(layerNormalization()(batchNormalization()(embedding(9, 6)(tokens))), -1)) }).compile({ loss: "binaryCrossentropy" }),
    ];
    for (const [i, m] of models.entries()) {
      for (const batch of [1, 2, 5]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels: compileKernels(m.ir), batch, seed: 31 + i }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it("simpleRNN, lstm and gru: backpropagation through time, last step or every step, stacked, after an embedding, shared", () => {
    const seq = input([4, 3]);
    const sharedCell = simpleRNN(3, { returnSequences: true });
    const words = input([5], { dtype: "int32" });
    const embeddedWords = embedding(9, 3)(words);
    const models = [
      sequential(input([5, 2]), simpleRNN(4), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy" }),
      sequential(input([6, 3]), lstm(5), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      sequential(input([4, 2]), lstm(3, { returnSequences: true }), simpleRNN(4, { activation: "relu" }), dense(1)).compile({ loss: "meanSquaredError" }),
      sequential(input([3, 4]), simpleRNN(5, { returnSequences: true, useBias: false }), dense(2, "softmax")).compile({ loss: "sparseCategoricalCrossentropy" }),
      sequential(input([1, 3]), lstm(2), dense(1)).compile({ loss: "meanAbsoluteError" }),
      model({ inputs: seq, outputs: dense(1)(flatten()(sharedCell(sharedCell(seq)))) }).compile({ loss: "meanSquaredError" }),
      model({ inputs: words, outputs: dense(1, "sigmoid")(lstm(4)(embedding(9, 3)(words))) }).compile({ loss: "binaryCrossentropy" }),
      // the embedding's rows read from the table by the recurrent layer, and through its value by a mean
      model({ inputs: words, outputs: dense(1)(concatenate(gru(3)(embeddedWords), mean(embeddedWords, 1))) }).compile({ loss: "meanSquaredError" }),
      sequential(input([5], { dtype: "int32" }), embedding(9, 3), simpleRNN(3, { goBackwards: true, returnSequences: true }), lstm(2), dense(1)).compile({ loss: "meanSquaredError" }),
      sequential(input([5, 3]), gru(4), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      sequential(input([4, 2]), gru(3, { resetAfter: false }), dense(1)).compile({ loss: "meanSquaredError" }),
      sequential(input([4, 3]), gru(3, { returnSequences: true, useBias: false }), gru(2, { resetAfter: false, returnSequences: true }), flatten(), dense(1)).compile({ loss: "meanSquaredError" }),
      sequential(input([1, 2]), gru(3), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy" }),
      // goBackwards: the steps last to first, the output in processing order.
      sequential(input([5, 2]), simpleRNN(3, { goBackwards: true, returnSequences: true }), lstm(2, { goBackwards: true }), dense(1)).compile({ loss: "meanSquaredError" }),
      sequential(input([4, 3]), gru(3, { goBackwards: true, returnSequences: true }), gru(2, { goBackwards: true, resetAfter: false }), dense(1)).compile({ loss: "meanSquaredError" }),
    ];
    for (const [i, m] of models.entries()) {
      for (const batch of [1, 3, 6]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels: compileKernels(m.ir), batch, seed: 51 + i, weightScale: 0.7 }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it("large recurrent layers, and small ones over many steps, hand every step's products to the runtime's gemm, reading and writing tape slices at offsets", () => {
    const models = [
      sequential(input([4, 16]), lstm(64, { returnSequences: true }), gru(64), dense(1)).compile({ loss: "meanSquaredError" }),
      // relu: a cell of the generated code's own, so each step's products are calls of gemm (tanh would walk in one runtime call)
      sequential(input([3, 8]), simpleRNN(128, { activation: "relu" }), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      // a step's product of 24 or 32 units is small, but 30 of them a call are not
      sequential(input([30, 4]), gru(24, { returnSequences: true }), simpleRNN(32, { goBackwards: true }), dense(1)).compile({ loss: "meanSquaredError" }),
    ];
    for (const [i, m] of models.entries()) {
      const kernels = compileKernels(m.ir);
      const calls = [...kernels.plan.train, ...kernels.plan.backward].flatMap((s) => s.body).filter((line) => /^gemm\(.*, [^,]+, [^,]+, [^,]+\);$/.test(line) && line.includes("batch *"));
      expect(calls.length, `model ${i}: per-step products handed to gemm with offsets`).toBeGreaterThanOrEqual(2);
      for (const batch of [1, 5]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels, batch, seed: 91 + i, weightScale: 0.2 }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it("lstm and simpleRNN whose whole walk over the steps is one runtime call (tapes kept in WebAssembly memory): last step, goBackwards, bidirectional, stacked, after an embedding, T = 1", () => {
    const tokens = input([12], { dtype: "int32" });
    const models = [
      sequential(input([20, 3]), lstm(8), dense(1)).compile({ loss: "meanSquaredError" }),
      sequential(input([20, 3]), simpleRNN(8, { goBackwards: true }), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      sequential(input([12, 2]), bidirectional(lstm(8)), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy" }),
      sequential(input([16, 2]), lstm(8, { returnSequences: true }), lstm(8, { goBackwards: true }), dense(1)).compile({ loss: "meanSquaredError" }),
      model({ inputs: tokens, outputs: dense(1, "sigmoid")(simpleRNN(16)(embedding(30, 4)(tokens))) }).compile({ loss: "binaryCrossentropy" }),
      sequential(input([1, 5]), lstm(32), dense(1)).compile({ loss: "meanSquaredError" }),
      // a penalty also writes the recurrent kernel's gradient: the weights' products follow the call instead of running in it
      sequential(input([10, 3]), lstm(8, { recurrentRegularizer: l2(0.01) }), dense(1)).compile({ loss: "meanSquaredError" }),
    ];
    for (const [i, m] of models.entries()) {
      const kernels = compileKernels(m.ir);
      const lines = [...kernels.plan.train, ...kernels.plan.backward].flatMap((s) => s.body);
      expect(lines.some((line) => /^(lstm|simpleRnn)SequenceForward\(/.test(line)), `model ${i}: the forward walk in one call`).toBe(true);
      expect(lines.some((line) => /^(lstm|simpleRnn)SequenceBackward\(/.test(line)), `model ${i}: the backward walk in one call`).toBe(true);
      const gradientsInTheCall = lines.some((line) => /^(lstm|simpleRnn)SequenceBackward\(.*, d_\w*recurrent_kernel, /.test(line));
      expect(gradientsInTheCall, `model ${i}: the weights' gradients computed by the backward call`).toBe(i !== models.length - 1);
      for (const batch of [1, 5]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels, batch, seed: 71 + i, weightScale: 0.3 }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it("bidirectional: forward and backward weights, the backward sequence put back in time order, every merge mode", () => {
    const seq = input([5, 3]);
    const concatenated: Tensor<[8]> = bidirectional(lstm(4))(seq);
    const everyStep: Tensor<[5, 6]> = bidirectional(gru(3, { returnSequences: true }))(seq);
    const models = [
      model({ inputs: seq, outputs: dense(2, "softmax")(concatenated) }).compile({ loss: "categoricalCrossentropy" }),
      model({ inputs: seq, outputs: dense(1)(flatten()(everyStep)) }).compile({ loss: "meanSquaredError" }),
      sequential(input([4, 2]), bidirectional(simpleRNN(3, { returnSequences: true }), { mergeMode: "sum" }), bidirectional(lstm(2), { mergeMode: "mul" }), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy" }),
      sequential(input([4, 2]), bidirectional(gru(3, { returnSequences: true, resetAfter: false }), { mergeMode: "ave" }), dense(2, "softmax")).compile({ loss: "sparseCategoricalCrossentropy" }),
      sequential(input([3, 2]), bidirectional(lstm(2, { goBackwards: true }), { mergeMode: "ave" }), dense(1)).compile({ loss: "meanSquaredError" }),
    ];
    for (const [i, m] of models.entries()) {
      for (const batch of [1, 4]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels: compileKernels(m.ir), batch, seed: 71 + i, weightScale: 0.7 }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
    // Keras' weight order: the forward layer's, then the backward layer's.
    expect(models[0]!.ir.params.map((p) => p.name).slice(0, 6)).toEqual([
      "bidirectional_forward_kernel",
      "bidirectional_forward_recurrent_kernel",
      "bidirectional_forward_bias",
      "bidirectional_backward_kernel",
      "bidirectional_backward_recurrent_kernel",
      "bidirectional_backward_bias",
    ]);
  });

  it("masks (embedding maskZero): padded steps carried over or zeroed, stacked, bidirectional in every merge mode, goBackwards, per-step losses and a dense layer per position, T = 1, padding-only examples", () => {
    const T = 5;
    const words = input([T], { dtype: "int32" });
    const features = input([T, 2]);
    const masked = () => embedding(7, 3, { maskZero: true });
    const tokens = masked()(words);
    const models = [
      sequential(input([T], { dtype: "int32" }), masked(), simpleRNN(4), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy" }),
      sequential(input([T], { dtype: "int32" }), masked(), lstm(3, { returnSequences: true }), gru(2), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      sequential(input([T], { dtype: "int32" }), masked(), gru(3, { returnSequences: true, resetAfter: false }), dense(3, "softmax")).compile({ loss: "sparseCategoricalCrossentropy" }),
      sequential(input([T], { dtype: "int32" }), masked(), bidirectional(lstm(2, { returnSequences: true })), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      sequential(input([T], { dtype: "int32" }), masked(), bidirectional(gru(2, { returnSequences: true }), { mergeMode: "sum" }), dense(2)).compile({ loss: "meanSquaredError" }),
      sequential(input([T], { dtype: "int32" }), masked(), bidirectional(simpleRNN(2, { returnSequences: true }), { mergeMode: "mul" }), dense(2, "sigmoid")).compile({ loss: "binaryCrossentropy" }),
      sequential(input([T], { dtype: "int32" }), masked(), bidirectional(lstm(2, { returnSequences: true }), { mergeMode: "ave" }), dense(1, "tanh")).compile({ loss: "meanAbsoluteError" }),
      sequential(input([T], { dtype: "int32" }), masked(), bidirectional(gru(2, { resetAfter: false })), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" }),
      // goBackwards: the mask read in processing order; the output (processing order) keeps the mask in time order, as Keras.
      sequential(input([T], { dtype: "int32" }), masked(), simpleRNN(3, { goBackwards: true, returnSequences: true }), lstm(2, { goBackwards: true }), dense(1)).compile({ loss: "meanSquaredError" }),
      sequential(input([T], { dtype: "int32" }), masked(), gru(2, { goBackwards: true, returnSequences: true }), dense(3, "softmax")).compile({ loss: "sparseCategoricalCrossentropy" }),
      // The mask through dense layers per position, to the loss.
      sequential(input([T], { dtype: "int32" }), masked(), dense(4, "relu"), dropout(0.3), dense(3, "softmax")).compile({ loss: "sparseCategoricalCrossentropy" }),
      // Merges of masked tensors keep the mask; with an unmasked input they end it (Keras' Concatenate and Add).
      model({ inputs: words, outputs: dense(1)(lstm(2)(concatenate(tokens, dense(2, "tanh")(tokens)))) }).compile({ loss: "meanSquaredError" }),
      model({ inputs: [words, features], outputs: dense(1)(gru(2)(add(concatenate(tokens, features), dense(5)(features)))) }).compile({ loss: "meanSquaredError" }),
    ];
    for (const [i, m] of models.entries()) {
      for (const batch of [1, 4, 6]) {
        const inputs = m.ir.inputs.map((input, k) => (input.dtype === "int32" ? paddedIds(batch, T, 7, 400 + 10 * i + k) : randomInputs(m.ir, batch, 500 + i)[k]!));
        const [name, error] = worst(compare({ ir: m.ir, kernels: compileKernels(m.ir), batch, seed: 131 + i, weightScale: 0.7, inputs }));
        expect(error, `model ${i} batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
    // Products large enough for the runtime's gemm: the carried dh added to by dz_t · Rᵀ there too.
    const large = sequential(input([T], { dtype: "int32" }), masked(), lstm(64, { returnSequences: true }), simpleRNN(128), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" });
    const largeKernels = compileKernels(large.ir);
    const accumulated = largeKernels.plan.backward.flatMap((s) => s.body).filter((line) => /^gemm\(batch, \d+, \d+, .*, true, /.test(line));
    expect(accumulated.length, "dh += dz_t · Rᵀ handed to gemm").toBeGreaterThanOrEqual(2);
    for (const batch of [1, 4]) {
      const [name, error] = worst(compare({ ir: large.ir, kernels: largeKernels, batch, seed: 161, weightScale: 0.2, inputs: [paddedIds(batch, T, 7, 161)] }));
      expect(error, `large model batch ${batch}: ${name}`).toBeLessThan(TOLERANCE);
    }
    // One step (T = 1), and batches of padding only (the loss of a per-step output is then 0).
    const short = [
      sequential(input([1], { dtype: "int32" }), masked(), lstm(2), dense(1)).compile({ loss: "meanSquaredError" }),
      sequential(input([1], { dtype: "int32" }), masked(), bidirectional(gru(2, { returnSequences: true })), dense(2, "softmax")).compile({ loss: "sparseCategoricalCrossentropy" }),
    ];
    for (const [i, m] of short.entries()) {
      for (const ids of [[3, 0, 5], [0, 0]]) {
        const [name, error] = worst(compare({ ir: m.ir, kernels: compileKernels(m.ir), batch: ids.length, seed: 171 + i, weightScale: 0.7, inputs: [Int32Array.from(ids)] }));
        expect(error, `T = 1 model ${i}, ids ${ids}: ${name}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it("60 random masked recurrent stacks: 1-3 layers of every kind, bidirectional or not, goBackwards, T of 1-5, a last state or a per-step output, every loss", () => {
    const layer = fc.record({
      kind: fc.constantFrom("simpleRNN", "lstm", "gru", "gru without resetAfter"),
      units: fc.integer({ min: 1, max: 3 }),
      goBackwards: fc.boolean(),
      mergeMode: fc.constantFrom(null, "concat", "sum", "mul", "ave"),
    });
    const stack = fc.record({
      steps: fc.integer({ min: 1, max: 5 }),
      layers: fc.array(layer, { minLength: 1, maxLength: 3 }),
      perStep: fc.boolean(),
      loss: fc.constantFrom(...LOSSES),
      batch: fc.integer({ min: 1, max: 4 }),
      seed: fc.nat({ max: 10_000 }),
    });
    let checked = 0;
    fc.assert(
      fc.property(stack, ({ steps, layers, perStep, loss, batch, seed }) => {
        const ids = input([steps], { dtype: "int32" });
        let x = embedding(6, 3, { maskZero: true })(ids) as AnyTensor;
        layers.forEach((l, i) => {
          const options = { returnSequences: i < layers.length - 1 || perStep, goBackwards: l.goBackwards };
          const cell = l.kind === "simpleRNN" ? simpleRNN(l.units, options) : l.kind === "lstm" ? lstm(l.units, options) : gru(l.units, { ...options, resetAfter: l.kind === "gru" });
          const wrapped = l.mergeMode ? bidirectional(cell, { mergeMode: l.mergeMode }) : cell;
          x = (wrapped as unknown as (t: AnyTensor) => AnyTensor)(x);
        });
        const head = loss.endsWith("ategoricalCrossentropy") ? dense(3, "softmax") : loss === "binaryCrossentropy" ? dense(2, "sigmoid") : dense(2);
        const m = model({ inputs: ids, outputs: (head as unknown as (t: AnyTensor) => AnyTensor)(x) }).compile({ loss });
        const inputs = [paddedIds(batch, steps, 6, seed)];
        const [name, error] = worst(compare({ ir: m.ir, kernels: compileKernels(m.ir), batch, seed, weightScale: 0.7, inputs }));
        checked++;
        if (!(error < TOLERANCE)) throw new Error(`${name}: relative error ${error}`);
      }),
      { numRuns: 60, seed: 20261203 },
    );
    expect(checked).toBe(60);
  });

  it("200 random graphs: several inputs, shared layers, every loss, dropout, batches of 1-4", () => {
    let checked = 0;
    const drawn = new Map<string, number>();
    fc.assert(
      fc.property(randomGraph, (graph) => {
        const ir = graph.model.ir;
        const [name, error] = worst(compare({ ir, kernels: compileKernels(ir), batch: graph.batch, seed: graph.dataSeed }));
        checked++;
        for (const op of layerOpsIn(ir)) drawn.set(op, (drawn.get(op) ?? 0) + 1);
        if (!(error < TOLERANCE)) throw new Error(`${name}: relative error ${error}`);
      }),
      { numRuns: 200, seed: 20261128 },
    );
    expect(checked).toBeGreaterThanOrEqual(200);
    // Embeddings, batch and layer normalisation each in a fair share of the graphs.
    for (const op of LAYER_OPS) expect(drawn.get(op) ?? 0, `graphs with ${op}`).toBeGreaterThanOrEqual(20);
  });
});
