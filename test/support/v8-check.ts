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
// The examples, and the test fixtures generated beside them (masked models).
const folders = ["examples", "test/fixtures"].map((folder) => fileURLToPath(new URL(`../../${folder}`, import.meta.url)));

interface Trainable {
  kernels: Kernels;
  spec: { inputs: { shape: number[]; dtype: string }[]; idLimits: (number | null)[]; outputShape: number[]; training: { loss: string } };
  fit(x: unknown, y: unknown, options: object): unknown;
  evaluate(x: unknown, y: unknown, options: object): unknown;
}

function data(model: Trainable, count: number) {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  // Token ids (int32 inputs) count up below the embedding's inputDim; floats lie in [0, 1).
  const xs = model.spec.inputs.map((i, n) =>
    i.dtype === "int32"
      ? Int32Array.from({ length: count * size(i.shape) }, (_, k) => (k * 7919) % (model.spec.idLimits[n] ?? 2))
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
    const { x, y } = data(model, 64);
    // Training runs the training-mode kernels; evaluation the inference-mode ones.
    const run = (rounds: number) => {
      for (let round = 0; round < rounds; round++) {
        model.fit(x, y, { epochs: 50, batchSize: 16, verbose: 0 });
        model.evaluate(x, y, { batchSize: 16 });
      }
    };
    run(20);
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
