import { describe, expect, it, vi } from "vitest";
import { dense, dropout, input, sequential, sgd } from "typegrad/dsl";
import { earlyStopping } from "../../runtime/callbacks";
import { liveModel } from "../support/live-model";

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
    // The validation loss is the model's loss on examples 30..39 after the epoch.
    const [loss] = model.evaluate(x.slice(30), y.slice(30)) as number[];
    expect(history.val_loss![0]).toBeCloseTo(loss!, 6);
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

  it("stops with the epoch and batch where the loss became NaN or infinite", () => {
    const model = regression(1, 1e6);
    const huge = x.map(([a, b]) => [a! * 1e20, b! * 1e20]);
    expect(() => model.fit(huge, y, { epochs: 3, batchSize: 8, verbose: 0 })).toThrow(/fit: the loss became (NaN|Infinity) at epoch 1, batch \d+; training stopped/);
  });

  it("earlyStopping ends training when the monitored value stops improving, and can restore the best weights", () => {
    const model = regression(2, 2.5);
    const seen: number[][] = [];
    const history = model.fit(x, y, {
      epochs: 200,
      batchSize: 40,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [earlyStopping({ monitor: "val_loss", patience: 2, restoreBestWeights: true }), { onEpochEnd: (_e, _l, m) => void seen.push(Array.from(m.getWeights()[0]!)) }],
    });
    expect(history.epoch.length).toBeLessThan(200);
    const losses = history.val_loss!;
    const best = losses.indexOf(Math.min(...losses));
    // Stopped `patience + 1` epochs after the best one, with the best epoch's weights back.
    expect(losses.length - 1 - best).toBe(3);
    expect(Array.from(model.getWeights()[0]!)).toEqual(seen[best]);
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

  it("dropout is active in training only", () => {
    const net = liveModel(sequential(input([4]), dense(16, "relu"), dropout(0.5), dense(1)).compile({ loss: "meanSquaredError", seed: 3 }));
    const data = [[1, 2, 3, 4]];
    expect(net.predict(data)).toEqual(net.predict(data));
    const a = net.evaluate(data, [[0]]);
    expect(net.evaluate(data, [[0]])).toBe(a);
  });
});
