// Run with `node --allow-natives-syntax --no-concurrent-recompilation --import tsx test/support/v8-check.ts`: trains and evaluates
// every example model for a while, then prints, for each generated kernel (each loop nest, and the
// loss), whether V8 optimised it with TurboFan. (forwardTrain and backward only call the kernels in
// order and are inlined into the runtime's step; they are not listed.)

import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Kernels } from "../../runtime/kernels";
import { withoutFusedStep } from "./without-fused-step";

const status = new Function("fn", "return %GetOptimizationStatus(fn)") as (fn: Function) => number;
const optimizeOnNextCall = new Function("fn", "%PrepareFunctionForOptimization(fn); %OptimizeFunctionOnNextCall(fn);") as (fn: Function) => void;
const TURBOFANNED = 1 << 6;
const examples = fileURLToPath(new URL("../../examples", import.meta.url));

interface Trainable {
  kernels: Kernels;
  getWeights(): Float32Array[];
  spec: { inputs: { shape: number[]; dtype: string; sparse: boolean }[]; idLimits: (number | null)[]; outputShape: number[]; training: { loss: string } };
  fit(x: unknown, y: unknown, options: object): unknown;
  evaluate(x: unknown, y: unknown, options: object): unknown;
}

function data(model: Trainable, count: number) {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  // Token ids (int32 inputs) count up below the embedding's inputDim; floats lie in [0, 1); a sparse
  // input is a bag of words, about 1.6 % of it 1 (dense values would time a gather of every column).
  const xs = model.spec.inputs.map((i, n) =>
    i.dtype === "int32"
      ? Int32Array.from({ length: count * size(i.shape) }, (_, k) => (k * 7919) % (model.spec.idLimits[n] ?? 2))
      : i.sparse
        ? Float32Array.from({ length: count * size(i.shape) }, (_, k) => ((k * 7919) % 61 === 0 ? 1 : 0))
        : Float32Array.from({ length: count * size(i.shape) }, (_, k) => ((k * 7919) % 13) / 13),
  );
  const width = model.spec.outputShape.at(-1) ?? 1;
  const sparse = model.spec.training.loss === "sparseCategoricalCrossentropy";
  const targetSize = sparse ? size(model.spec.outputShape) / width : size(model.spec.outputShape);
  const categorical = model.spec.training.loss === "categoricalCrossentropy";
  const y = Float32Array.from({ length: count * targetSize }, (_, k) => (sparse ? k % width : categorical ? (k % width === 0 ? 1 : 0) : (k % 2)));
  return { x: xs.length === 1 ? xs[0] : xs, y };
}

const report: Record<string, boolean> = {};
for (const file of readdirSync(examples, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".gen.ts"))) {
  const module = (await import(`${examples}/${file}`)) as Record<string, new () => Trainable>;
  for (const [name, Model] of Object.entries(module)) {
    if (typeof Model !== "function") continue;
    const model = new Model();
    // A dense stack trains through the fused WebAssembly step; its JavaScript kernels are checked here.
    if (model.kernels.denseStack) withoutFusedStep(model);
    // Models of 100,000 weights and more (the text examples: a 10,000-word input or embedding) run 100
    // times fewer steps: their loops are long, so V8 reaches them on the stack (OSR) long before, and
    // one of their steps costs as much as hundreds of the small models' (the NNLM's million weights most).
    const large = model.getWeights().reduce((sum, w) => sum + w.length, 0) >= 1e5;
    const { x, y } = data(model, large ? 32 : 64);
    // Training runs the training-mode kernels; evaluation the inference-mode ones.
    const run = (rounds: number) => {
      for (let round = 0; round < rounds; round++) {
        model.fit(x, y, { epochs: large ? 3 : 50, batchSize: 16, verbose: 0 });
        model.evaluate(x, y, { batchSize: 16 });
      }
    };
    run(large ? 4 : 20);
    const kernels = Object.entries({ ...model.kernels.steps, loss: model.kernels.loss });
    // A kernel whose loops were compiled on the stack (OSR) may not be marked optimised yet: ask
    // for TurboFan on its next call. V8 still refuses functions past its size limit.
    const waiting = kernels.filter(([, f]) => (status(f) & TURBOFANNED) === 0);
    for (const [, f] of waiting) optimizeOnNextCall(f);
    if (waiting.length) run(1);
    for (const [fn, f] of kernels) report[`${file} ${name}.${fn}`] = (status(f) & TURBOFANNED) !== 0;
  }
}
console.log(JSON.stringify(report));
