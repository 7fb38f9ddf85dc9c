import { describe, expect, it, vi } from "vitest";
import { adam, add, batchNormalization, dense, dropout, input, log, model, sequential, sgd } from "typegrad/dsl";
import { NonFiniteLossError } from "../../runtime/fit";
import { FunctionalRegression } from "../../examples/linear-regression/linear-regression.gen";
import { liveDenseStepModel, liveModel, liveModelClass } from "../support/live-model";

// fit as Keras: History, validationSplit (the last fraction, before shuffling), callbacks, NaN
// losses, determinism, and the progress output of each verbose level.

const regression = (seed = 1, learningRate = 0.05) =>
  liveModel(sequential(input([2]), dense(8, "tanh"), dense(1)).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate }), metrics: ["mae"], seed }));

const x = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]);
const y = x.map(([a, b]) => [a! - 0.5 * b!]);

describe("fit", () => {
  it("returns a History with a series per logged value, the epochs run and the params", () => {
    const history = regression().fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(["loss", "mae", "val_loss", "val_mae"]);
    expect(history.loss).toHaveLength(3);
    expect(history.val_mae).toBe(history.history.val_mae);
    expect(history.epoch).toEqual([0, 1, 2]);
    // 40 examples, the last 10 held out: 30 train in batches of 8 -> 4 steps an epoch.
    expect(history.params).toEqual({ epochs: 3, steps: 4, batchSize: 8, samples: 30, verbose: 0 });
  });

  it("validates on the last fraction of the examples, taken before shuffling", () => {
    const model = regression();
    const history = model.fit(x, y, { epochs: 1, batchSize: 30, validationSplit: 0.25, verbose: 0 });
    // The validation loss is the model's loss on examples 30..39 after the epoch, computed here in
    // float64 from its weights: tanh(x·K1 + b1)·K2 + b2, squared error averaged over the 10 rows.
    const [k1, b1, k2, b2] = model.getWeights();
    const output = ([a, b]: number[]) => b2![0]! + Array.from({ length: 8 }, (_, j) => Math.tanh(a! * k1![j]! + b! * k1![8 + j]! + b1![j]!) * k2![j]!).reduce((s, v) => s + v);
    const loss = x.slice(30).reduce((sum, row, i) => sum + (output(row) - y[30 + i]![0]!) ** 2, 0) / 10;
    const mae = x.slice(30).reduce((sum, row, i) => sum + Math.abs(output(row) - y[30 + i]![0]!), 0) / 10;
    expect(Math.abs(history.val_loss![0]! - loss)).toBeLessThan(1e-6 * loss);
    expect(Math.abs(history.val_mae![0]! - mae)).toBeLessThan(1e-6 * mae);
    // (Rows 29..38 would give another loss.)
    const shifted = x.slice(29, 39).reduce((sum, row, i) => sum + (output(row) - y[29 + i]![0]!) ** 2, 0) / 10;
    expect(Math.abs(shifted - loss)).toBeGreaterThan(1e-3 * loss);
  });

  it("lowers the loss, and the same seed trains bit for bit the same", () => {
    const a = regression(5).fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 });
    const b = regression(5).fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 });
    expect(a.loss.at(-1)!).toBeLessThan(a.loss[0]! / 2);
    expect(b.history).toEqual(a.history);
    const c = regression(6).fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 });
    expect(c.loss).not.toEqual(a.loss);
  });

  it("resumes from initialEpoch", () => {
    const history = regression().fit(x, y, { epochs: 5, initialEpoch: 3, verbose: 0 });
    expect(history.epoch).toEqual([3, 4]);
  });

  it("stops with the epoch and batch where the loss (or a gradient) became NaN or infinite", () => {
    const model = regression(1, 1e6);
    const huge = x.map(([a, b]) => [a! * 1e20, b! * 1e20]);
    expect(() => model.fit(huge, y, { epochs: 3, batchSize: 8, verbose: 0 })).toThrow(
      /^fit: the (loss|gradient of \w+) became (NaN|-?Infinity)( \(at index \d+; the loss was [\d.e+]+\))? at epoch 1, batch \d+; training stopped; the model keeps the weights and optimizer state of the last finite step$/,
    );
  });

  it("one unshuffled full batch trains as trainOnBatch does, whatever validation or callbacks run on the model between epochs", () => {
    const expected = regression(3);
    for (let epoch = 0; epoch < 6; epoch++) expected.trainOnBatch(x, y);
    const other = x.map(([a, b]) => [b! * 3, -a!]);
    const runs = [
      () => ({}),
      () => ({ validationData: [other, y] as const }),
      (model: ReturnType<typeof regression>) => ({ callbacks: [{ onEpochEnd: () => void model.predict(other) }] }),
    ];
    for (const options of runs) {
      const model = regression(3);
      model.fit(x, y, { epochs: 6, batchSize: 40, shuffle: false, verbose: 0, ...options(model) });
      expect(model.getWeights()).toEqual(expected.getWeights());
    }
  });

  it("refuses bad options before any work", () => {
    const model = regression();
    expect(() => model.fit(x, y, { epochs: 0 })).toThrow("fit: epochs must be a positive integer, got 0");
    expect(() => model.fit(x, y, { batchSize: 2.5 })).toThrow("fit: batchSize must be a positive integer, got 2.5");
    expect(() => model.fit(x, y, { validationSplit: 1 })).toThrow("fit: validationSplit must be in (0, 1), got 1");
    expect(() => model.fit(x, y, { validationSplit: 0.5, validationData: [x, y] })).toThrow("give validationSplit or validationData, not both");
  });
});

describe("evaluate", () => {
  it("weights every example equally when the batch size does not divide the example count", () => {
    // out = 2x on x = 1..7 against targets 0: the mean squared error is 4 · (1 + 4 + ... + 49) / 7 =
    // 4 · 140 / 7 = 80, the mean absolute error 2 · 28 / 7 = 8, whatever the batches.
    const doubling = liveModel(sequential(input([1]), dense(1, { useBias: false, kernel: [[2]] })).compile({ loss: "meanSquaredError", metrics: ["mae"] }));
    const xs = [1, 2, 3, 4, 5, 6, 7].map((v) => [v]);
    const zeros = xs.map(() => [0]);
    const expectLossAndMae = (actual: unknown, what: string) => {
      const [loss, mae] = actual as number[];
      expect(Math.abs(loss! - 80), `${what}: loss ${loss}`).toBeLessThan(1e-9);
      expect(Math.abs(mae! - 8), `${what}: mae ${mae}`).toBeLessThan(1e-9);
    };
    for (const batchSize of [1, 2, 3, 4, 6, 7, 32]) expectLossAndMae(doubling.evaluate(xs, zeros, { batchSize }), `batch size ${batchSize}`);
    expectLossAndMae(doubling.testOnBatch(xs, zeros), "testOnBatch");
  });
});

describe("a NaN or infinite loss", () => {
  // A learning rate of 5 on targets near 1000 diverges: the loss grows a thousandfold an epoch until
  // the backward pass overflows float32.
  const far = y.map(([v]) => [1000 * v!]);
  const diverging = () => regression(1, 5);
  const failure = (run: () => unknown): NonFiniteLossError => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(NonFiniteLossError);
      return error as NonFiniteLossError;
    }
    throw new Error("expected training to stop");
  };

  it("leaves the model as after the last finite step, and the error carries the History so far", () => {
    const model = diverging();
    const error = failure(() => model.fit(x, far, { epochs: 100, batchSize: 40, verbose: 0 }));
    // One step an epoch: the model is exactly as a twin trained for the epochs before the failing one.
    expect(error.batch).toBe(1);
    expect(error.epoch).toBeGreaterThan(3);
    expect(error.message).toMatch(new RegExp(`at epoch ${error.epoch}, batch 1; training stopped; the model keeps the weights and optimizer state of the last finite step$`));
    const twin = diverging();
    const history = twin.fit(x, far, { epochs: error.epoch - 1, batchSize: 40, verbose: 0 });
    expect(error.history.history).toEqual(history.history);
    expect(error.history.epoch).toEqual(history.epoch);
    expect(error.history.loss.at(-1)!).toBeGreaterThan(1e30);
    expect(model.getWeights()).toEqual(twin.getWeights());
    expect(model.toBytes()).toEqual(twin.toBytes()); // weights and optimizer state (its step count), byte for byte
    // Usable: finite predictions, saved and loaded, and trainable again at a sane learning rate.
    expect(model.predict(x).flat().every(Number.isFinite)).toBe(true);
    const copy = regression(1, 5);
    copy.fromBytes(model.toBytes());
    expect(copy.getWeights()).toEqual(model.getWeights());
  });

  it("mid-epoch: names the batch, and the History holds the epochs completed", () => {
    const model = diverging();
    const error = failure(() => model.fit(x, far, { epochs: 100, batchSize: 8, verbose: 0 }));
    expect(error.epoch).toBeGreaterThan(1);
    expect(error.batch).toBeGreaterThan(1);
    expect(error.history.epoch).toEqual(Array.from({ length: error.epoch - 1 }, (_, i) => i));
    expect(error.history.loss).toHaveLength(error.epoch - 1);
    expect(error.history.params).toEqual({ epochs: 100, steps: 5, batchSize: 8, samples: 40, verbose: 0 });
    expect(model.getWeights().every((w) => w.every(Number.isFinite))).toBe(true);
    expect(() => model.toBytes()).not.toThrow();
  });

  it("a NaN loss from finite weights: the step is not applied", () => {
    // log of a negative output: the loss is NaN while every weight is finite.
    const a = input([2]);
    const net = liveModel(model({ inputs: a, outputs: log(dense(1, { useBias: false, kernel: [[1], [1]] })(a)) }).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }) }));
    const before = net.toBytes();
    expect(() => net.trainOnBatch([[-1, -2]], [[0]])).toThrow("trainOnBatch: the loss became NaN; the step was not applied; the weights and optimizer state are those from before it");
    expect(net.toBytes()).toEqual(before);
    const error = failure(() => net.fit([[1, 2], [-1, -2]], [[0], [0]], { epochs: 2, batchSize: 1, shuffle: false, verbose: 0 }));
    expect(error.message).toBe("fit: the loss became NaN at epoch 1, batch 2; training stopped; the model keeps the weights and optimizer state of the last finite step");
    expect(error.loss).toBeNaN();
    expect(error.history.loss).toEqual([]);
    // The first batch's step was applied (ln 3 > 0 pulls the weights down), the second's was not.
    const once = liveModel(model({ inputs: a, outputs: log(dense(1, { useBias: false, kernel: [[1], [1]] })(a)) }).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }) }));
    once.trainOnBatch([[1, 2]], [[0]]);
    expect(net.toBytes()).toEqual(once.toBytes());
  });

  it("puts back batch normalisation's moving statistics, which the failing step's forward pass had moved", () => {
    const net = liveModel(sequential(input([2]), dense(3), batchNormalization(), dense(1)).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.01 }) }));
    const data = [[1, 2], [3, 5], [-2, 7]];
    net.trainOnBatch(data, [[0], [1], [2]]);
    const before = net.getWeights();
    // Targets near float32's largest value: the forward pass (and its moving statistics) is fine,
    // the gradients overflow.
    expect(() => net.trainOnBatch([[4, -1], [0, 9], [6, 6]], [[3e38], [-3e38], [3e38]])).toThrow(/^trainOnBatch: the (gradient of \w+|loss) became/);
    expect(net.getWeights()).toEqual(before);
    // (The same batch with sane targets does move the moving statistics.)
    net.trainOnBatch([[4, -1], [0, 9], [6, 6]], [[0], [0], [0]]);
    expect(net.getWeights()[2]).not.toEqual(before[2]);
  });

  it("the same in the fused WebAssembly step of a dense stack, whose gradients live in its memory", () => {
    // Hours in the thousands at a learning rate of 0.01: each step overshoots a thousandfold.
    const hours = [[1000], [2000], [3000], [4000]];
    const scores = [[10], [20], [30], [40]];
    const model = new FunctionalRegression();
    expect((model as unknown as { denseStep: unknown }).denseStep).not.toBeNull();
    const error = failure(() => model.fit(hours, scores, { epochs: 100, batchSize: 4, shuffle: false, verbose: 0 }));
    expect(error.epoch).toBeGreaterThan(3);
    const twin = new FunctionalRegression();
    expect(error.history.loss).toEqual(twin.fit(hours, scores, { epochs: error.epoch - 1, batchSize: 4, shuffle: false, verbose: 0 }).loss);
    expect(model.toBytes()).toEqual(twin.toBytes());
  });

  it("keeps its weights and gradients in the SIMD optimiser's memory when all are the optimiser's (none with a non-trainable weight)", () => {
    const arrays = (net: object) => net as unknown as { weights: Float32Array[]; grads: Float32Array[] };
    const plain = arrays(liveModel(sequential(input([20]), dense(16, "relu"), dense(2)).compile({ loss: "meanSquaredError", optimizer: adam() })));
    expect(plain.weights[0]!.buffer).toBe(plain.grads[0]!.buffer);
    const normalised = arrays(liveModel(sequential(input([20]), dense(16), batchNormalization(), dense(2)).compile({ loss: "meanSquaredError", optimizer: adam() })));
    expect(normalised.weights[0]!.buffer).not.toBe(normalised.grads[0]!.buffer);
  });

  it("in the fused step, a gradient that overflows while the loss stays finite: named, and the step not applied", () => {
    // w = 0 on x = 3e38 with target 1e19: the loss (0 − 1e19)² = 1e38 is finite, dL/dw = 2·(0 − 1e19)·3e38 is not.
    const net = liveDenseStepModel(sequential(input([1]), dense(1, { useBias: false, kernel: [[0]] })).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.1 }) }));
    expect((net as unknown as { denseStep: unknown }).denseStep).not.toBeNull();
    const before = net.toBytes();
    expect(() => net.trainOnBatch([[3e38]], [[1e19]])).toThrow(/^trainOnBatch: the gradient of dense_kernel became -Infinity \(at index 0; the loss was 1\.0*e\+38\); the step was not applied/);
    expect(net.toBytes()).toEqual(before);
    net.trainOnBatch([[1]], [[1]]);
    expect(net.getWeights()[0]![0]).toBeCloseTo(0.2, 6);
  });

  it("says so when the weights were already non-finite (and save refuses them)", () => {
    const net = regression(1, 1e38);
    const big = y.map(([v]) => [1000 + v!]);
    const error = failure(() => net.fit(x, big, { epochs: 3, batchSize: 40, verbose: 0 }));
    expect(error.message).toMatch(/^fit: the loss became NaN at epoch 2, batch 1; training stopped; the weights were not finite before this step either \(dense(_1)?_(kernel|bias) holds -?Infinity at index \d+\)$/);
    expect(() => net.save("never-written.safetensors")).toThrow(/a file of non-finite weights would not load, so none is written/);
  });

  it("prints large losses in exponent form", () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (writes.push(String(chunk)), true));
    try {
      failure(() => diverging().fit(x, far, { epochs: 100, batchSize: 40, verbose: 2 }));
    } finally {
      spy.mockRestore();
    }
    const losses = writes.join("").match(/loss: \S+/g)!;
    expect(losses.length).toBeGreaterThan(3);
    for (const loss of losses) expect(loss).toMatch(/^loss: (\d+\.\d{4}|\d\.\d{4}e\+\d\d)$/);
    expect(losses.at(-1)).toMatch(/^loss: \d\.\d{4}e\+[3-9]\d$/);
  });
});

describe("fit's progress output", () => {
  function output(verbose: 0 | 1 | 2): string {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (writes.push(String(chunk)), true));
    try {
      regression().fit(x, y, { epochs: 2, batchSize: 8, verbose });
    } finally {
      spy.mockRestore();
    }
    return writes.join("");
  }

  it("verbose 1 prints the epoch and Keras' progress bar line", () => {
    const text = output(1);
    expect(text).toMatch(/^Epoch 1\/2\n5\/5 \[==============================\] - \d+s \d+(us|ms|s)\/step - loss: \d+\.\d{4} - mae: \d+\.\d{4}\nEpoch 2\/2\n/);
  });

  it("verbose 2 prints one line per epoch, verbose 0 nothing", () => {
    expect(output(2)).toMatch(/^Epoch 1\/2\n5\/5 - \d+s - loss: \d+\.\d{4} - mae: \d+\.\d{4}\nEpoch 2\/2\n5\/5 - /);
    expect(output(0)).toBe("");
  });
});

describe("data checks", () => {
  const model = regression();
  it("names the problem before any work", () => {
    expect(() => model.fit([1, 2, 3], [[1]])).toThrow("x: 3 numbers is not a multiple of the 2 per example");
    expect(() => model.fit(x, y.slice(1))).toThrow("y: 39 targets for 40 examples; x and y must hold the same number of examples");
    expect(() => model.fit([[1, NaN]], [[1]])).toThrow("x: example 0 holds NaN (NaN or infinite) at position 1");
    expect(() => model.predict([[1, 2, 3]])).toThrow("x: each example must have 2 numbers; got 3 numbers for 1 examples");
  });

  it("checks class labels and one-hot widths", () => {
    const classifier = liveModel(sequential(input([2]), dense(3, "softmax")).compile({ loss: "sparseCategoricalCrossentropy" }));
    expect(() => classifier.fit([[0, 1]], [[3]])).toThrow("y: class labels must be integers in [0, 3); example 0 has 3");
    const oneHot = liveModel(sequential(input([2]), dense(3, "softmax")).compile({ loss: "categoricalCrossentropy" }));
    expect(() => oneHot.fit([[0, 1]], [[0, 1]])).toThrow("y: one-hot rows must have 3 entries (one per class), got 2");
  });
});

describe("dropout", () => {
  it("is active in training only: kept units scaled by 2 at rate 0.5, none dropped at inference", () => {
    // Sixteen hidden units of exactly 1 (a kernel of ones on x = 1) summed by a kernel of ones: at
    // inference the output is 16 (loss 256 against 0); in training it is 2k for the k units dropout
    // keeps, so trainOnBatch's loss (from before its step) is (2k)². Fused into the Dense layer's
    // store, and as a layer of its own after an add (4 per kept unit, 32 at inference).
    const ones = (rows: number, columns: number) => Array.from({ length: rows }, () => new Array<number>(columns).fill(1));
    const head = () => dense(1, { useBias: false, kernel: ones(16, 1) });
    const fused = sequential(input([1]), dense(16, { useBias: false, kernel: ones(1, 16) }), dropout(0.5), head()).compile({ loss: "meanSquaredError" });
    const x = input([1]);
    const a = dense(16, { useBias: false, kernel: ones(1, 16) })(x);
    const separate = model({ inputs: x, outputs: head()(dropout(0.5)(add(a, a))) }).compile({ loss: "meanSquaredError" });
    for (const [compiled, perUnit] of [[fused, 2], [separate, 4]] as const) {
      const Net = liveModelClass(compiled);
      const kept = Array.from({ length: 24 }, (_, seed) => Math.sqrt(new Net({ seed }).trainOnBatch([[1]], [[0]]) as number) / perUnit);
      for (const k of kept) expect(Number.isInteger(k) && k >= 0 && k <= 16, `${k} kept units`).toBe(true);
      expect(new Set(kept).size, `masks differ from seed to seed: ${kept}`).toBeGreaterThan(3);
      // Binomial(16, 1/2) keeps 8 on average; the mean of 24 draws has a standard deviation of 0.41.
      const mean = kept.reduce((s, k) => s + k, 0) / kept.length;
      expect(Math.abs(mean - 8), `mean kept ${mean}`).toBeLessThan(1.5);
      const net = new Net({ seed: 3 });
      const all = (16 * perUnit) / 2;
      expect(net.predict([[1]])).toEqual([[all]]);
      expect(net.evaluate([[1]], [[0]])).toBe(all * all);
      expect(net.evaluate([[1]], [[0]])).toBe(all * all);
    }
  });
});
