import { afterEach, describe, expect, it, vi } from "vitest";
import { dense, input, sequential } from "typegrad/dsl";
import { Backprop } from "../../examples/backprop/backprop.gen";
import type { GeneratedModel } from "../../runtime/generated-model";
import { StepPart, stepTimer, type StepTimes } from "../../runtime/step-timing";
import { liveModel } from "../support/live-model";

// The step timer splits fit's and trainOnBatch's wall time into gemm (with the sparse products), the
// optimiser, the other kernels and overhead. No timing value is asserted: the attribution is checked
// with a clock that ticks by one at each reading, so each part's total counts the intervals charged to
// it, which follow from the charging rule alone; with the real clock only that the parts add up.

/** 64 -> 32 -> 32 -> 4: the first two products are large enough for gemm, the last is inline. */
const denseNet = () =>
  liveModel(
    sequential(input([64]), dense(32, "relu"), dense(32, "relu"), dense(4, "softmax")).compile({
      loss: "categoricalCrossentropy",
      optimizer: "adam",
      seed: 5,
    }),
  );

/** A bag of 64 words into 32 units: the sparse products. */
const sparseNet = () =>
  liveModel(
    sequential(input([64], { sparse: true }), dense(32, "relu"), dense(1, "sigmoid")).compile({
      loss: "binaryCrossentropy",
      optimizer: "rmsprop",
      seed: 6,
    }),
  );

function denseData(count: number): { x: number[][]; y: number[][] } {
  const x = Array.from({ length: count }, (_, r) => Array.from({ length: 64 }, (_, c) => ((r * 31 + c * 7) % 17) / 17 - 0.5));
  const y = Array.from({ length: count }, (_, r) => Array.from({ length: 4 }, (_, c) => (c === r % 4 ? 1 : 0)));
  return { x, y };
}

function sparseData(count: number): { x: { indptr: number[]; indices: number[]; values: number[] }; y: number[][] } {
  const x = { indptr: [0], indices: [] as number[], values: [] as number[] };
  for (let r = 0; r < count; r++) {
    const words = [...new Set([(r * 7) % 64, (r * 13 + 5) % 64, (r * 29 + 11) % 64])].sort((a, b) => a - b);
    for (const w of words) x.indices.push(w), x.values.push(1);
    x.indptr.push(x.indices.length);
  }
  return { x, y: Array.from({ length: count }, (_, r) => [r % 3 === 0 ? 1 : 0]) };
}

const seedData = { x: [[0.05, 0.1], [0.3, 0.9], [0.7, 0.2], [0.5, 0.5]], y: [[0.01, 0.99], [0.2, 0.7], [0.8, 0.1], [0.5, 0.5]] };

const cases: { name: string; make: () => GeneratedModel; x: unknown; y: number[][]; products: boolean }[] = [
  { name: "dense layers (gemm)", make: denseNet, ...denseData(24), products: true },
  { name: "a sparse input (sparse products)", make: sparseNet, ...sparseData(24), products: true },
  { name: "a dense stack (the fused WebAssembly step)", make: () => new Backprop(), ...seedData, products: false },
];

/** Trains `epochs` epochs of one full batch (one step an epoch) with the timer on; returns what it recorded. */
function timedFit(model: GeneratedModel, x: unknown, y: number[][], epochs: number): StepTimes {
  stepTimer.reset();
  stepTimer.enable();
  try {
    model.fit(x as number[][], y, { epochs, batchSize: y.length, shuffle: false, verbose: 0 });
  } finally {
    stepTimer.disable();
  }
  return stepTimer.read();
}

/** performance.now as a counter: each reading one millisecond after the last. */
function tickingClock(): void {
  let t = 0;
  vi.spyOn(performance, "now").mockImplementation(() => ++t);
}

const partsSum = (t: StepTimes) => t.gemm + t.optimiser + t.otherKernels + t.overhead;
const bits = (weights: Float32Array[]) => weights.map((w) => Array.from(new Uint32Array(w.buffer, w.byteOffset, w.length)));

afterEach(() => {
  vi.restoreAllMocks();
  stepTimer.disable();
  stepTimer.reset();
});

describe("the step timer", () => {
  it("is off by default and then records nothing", () => {
    expect(stepTimer.enabled).toBe(false);
    const model = denseNet();
    const { x, y } = denseData(24);
    model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    model.trainOnBatch(x, y);
    expect(stepTimer.read()).toEqual({ gemm: 0, optimiser: 0, otherKernels: 0, overhead: 0, total: 0 });
  });

  for (const c of cases) {
    it(`charges every interval of fit to exactly one part: ${c.name}`, () => {
      const model = c.make();
      tickingClock();
      const steps = 5;
      const t = timedFit(model, c.x, c.y, steps);
      expect(partsSum(t)).toBe(t.total);
      // A step: overhead until the kernels, the kernels (each product inside them one interval of
      // gemm, the kernels resuming after it), overhead until the optimiser, the optimiser; after the
      // last step, overhead until fit returns.
      expect(t.optimiser).toBe(steps);
      expect(t.overhead).toBe(2 * steps + 1);
      expect(t.otherKernels - t.gemm).toBe(steps);
      if (c.products) {
        expect(t.gemm).toBeGreaterThan(0);
        expect(t.gemm % steps).toBe(0); // the same products every step
      } else expect(t.gemm).toBe(0);
    });
  }

  it("charges trainOnBatch's step the same way", () => {
    const model = denseNet();
    const { x, y } = denseData(8);
    model.trainOnBatch(x, y);
    tickingClock();
    stepTimer.enable();
    model.trainOnBatch(x, y);
    stepTimer.disable();
    const t = stepTimer.read();
    expect(partsSum(t)).toBe(t.total);
    expect(t.optimiser).toBe(1);
    expect(t.overhead).toBe(3);
    expect(t.otherKernels - t.gemm).toBe(1);
    expect(t.gemm).toBeGreaterThan(0);
  });

  it("nested parts: the inner part's time is taken out of the outer's", () => {
    tickingClock(); // readings 1, 2, 3, ...
    stepTimer.enable();
    const window = stepTimer.enter(StepPart.overhead); // 1
    const kernels = stepTimer.enter(StepPart.otherKernels); // 2: overhead 1
    const gemm = stepTimer.enter(StepPart.gemm); // 3: kernels 1
    stepTimer.exit(gemm); // 4: gemm 1
    stepTimer.exit(kernels); // 5: kernels 1 more
    const optimiser = stepTimer.enter(StepPart.optimiser); // 6: overhead 1 more
    stepTimer.exit(optimiser); // 7: optimiser 1
    stepTimer.exit(window); // 8: overhead 1 more; the window 1..8
    expect(stepTimer.read()).toEqual({ gemm: 1, optimiser: 1, otherKernels: 2, overhead: 3, total: 7 });
  });

  it("a part that throws is unwound by the window's exit, and later windows add up", () => {
    tickingClock();
    stepTimer.enable();
    expect(() =>
      stepTimer.timed(StepPart.overhead, () => {
        stepTimer.enter(StepPart.otherKernels);
        throw new Error("a kernel failed");
      }),
    ).toThrow("a kernel failed");
    stepTimer.timed(StepPart.overhead, () => stepTimer.exit(stepTimer.enter(StepPart.gemm)));
    const t = stepTimer.read();
    expect(partsSum(t)).toBe(t.total);
    expect(t).toEqual({ gemm: 1, optimiser: 0, otherKernels: 1, overhead: 3, total: 5 });
  });

  it("with the real clock, the parts add up to the windows' wall time", () => {
    const model = denseNet();
    const { x, y } = denseData(24);
    const t = timedFit(model, x, y, 4);
    expect(t.total).toBeGreaterThan(0);
    expect(Math.abs(partsSum(t) - t.total)).toBeLessThanOrEqual(1e-9 * t.total);
  });

  for (const c of cases) {
    it(`leaves training unchanged: the same weights, to the bit, with it on: ${c.name}`, () => {
      const [plain, timed] = [c.make(), c.make()];
      plain.fit(c.x as number[][], c.y, { epochs: 6, batchSize: 8, verbose: 0 });
      stepTimer.enable();
      timed.fit(c.x as number[][], c.y, { epochs: 6, batchSize: 8, verbose: 0 });
      stepTimer.disable();
      expect(bits(timed.getWeights())).toEqual(bits(plain.getWeights()));
      expect(bits(plain.getWeights())).not.toEqual(bits(c.make().getWeights())); // training moved them
    });
  }
});
