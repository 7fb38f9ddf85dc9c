// Run with `node --allow-natives-syntax --no-concurrent-recompilation --import tsx test/support/v8-check.ts`: trains and evaluates
// every example model (and test fixture) for a while, then prints, for each generated kernel (each loop nest, and the
// loss), whether V8 optimised it with TurboFan. (forwardTrain and backward only call the kernels in
// order and are inlined into the runtime's step; they are not listed.)

import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Kernels } from "../../runtime/kernels";
import { withoutFusedStep } from "./without-fused-step";

const status = new Function("fn", "return %GetOptimizationStatus(fn)") as (fn: Function) => number;
const optimizeOnNextCall = new Function("fn", "%PrepareFunctionForOptimization(fn); %OptimizeFunctionOnNextCall(fn);") as (fn: Function) => void;
const TURBOFANNED = 1 << 6;
const ROUND_EPOCHS = 5;
const MAX_EPOCHS = 1000;
const MIN_EPOCHS = 50;
// The examples, and the test fixtures generated beside them (masked models).
const folders = ["examples", "test/fixtures"].map((folder) => fileURLToPath(new URL(`../../${folder}`, import.meta.url)));

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
const files = folders.flatMap((folder) => readdirSync(folder, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".gen.ts")).map((file) => ({ folder, file })));
for (const { folder, file } of files) {
  const module = (await import(`${folder}/${file}`)) as Record<string, new () => Trainable>;
  for (const [name, Model] of Object.entries(module)) {
    if (typeof Model !== "function") continue;
    const model = new Model();
    // A dense stack trains through the fused WebAssembly step; its JavaScript kernels are checked here.
    if (model.kernels.denseStack) withoutFusedStep(model);
    // Models of 100,000 weights and more (the text examples: a 10,000-word input or embedding; the
    // NNLM's million weights) take half the examples and epochs one at a time: one of their epochs
    // costs what hundreds of a small model's do, and their long loops reach TurboFan on the stack.
    const large = model.getWeights().reduce((sum, w) => sum + w.length, 0) >= 1e5;
    const { x, y } = data(model, large ? 32 : 64);
    const [roundEpochs, minEpochs, maxEpochs] = large ? [1, 3, 20] : [ROUND_EPOCHS, MIN_EPOCHS, MAX_EPOCHS];
    const kernels = Object.entries({ ...model.kernels.steps, loss: model.kernels.loss });
    const optimised = ([, f]: [string, Function]) => (status(f) & TURBOFANNED) !== 0;
    // Training runs the training-mode kernels; evaluation the inference-mode ones.
    const round = () => {
      model.fit(x, y, { epochs: roundEpochs, batchSize: 16, verbose: 0 });
      model.evaluate(x, y, { batchSize: 16 });
    };
    // Short rounds until V8 has optimised every kernel, for at least MIN_EPOCHS (so a kernel shared
    // with a model checked before meets this model's buffers) and at most MAX_EPOCHS: a recurrent
    // model's epoch costs what hundreds of a small dense model's do, so one fixed count would be
    // too short for one or far too long for the other.
    for (let epochs = 0; epochs < maxEpochs && (epochs < minEpochs || !kernels.every(optimised)); epochs += roundEpochs) round();
    // A kernel whose loops were compiled on the stack (OSR) may not be marked optimised yet: ask
    // for TurboFan on its next call. V8 still refuses functions past its size limit.
    const waiting = kernels.filter((k) => !optimised(k));
    for (const [, f] of waiting) optimizeOnNextCall(f);
    if (waiting.length) round();
    for (const [fn, f] of kernels) report[`${file} ${name}.${fn}`] = (status(f) & TURBOFANNED) !== 0;
  }
}
console.log(JSON.stringify(report));
