import { afterEach, describe, expect, it, vi } from "vitest";
import { dense, input, sequential, sgd } from "typegrad/dsl";
import { earlyStopping, type Callback, type EarlyStoppingOptions, type TrainingControl } from "../../runtime/callbacks";
import { liveModel } from "../support/live-model";

// earlyStopping against Keras 3's rules (keras/src/callbacks/early_stopping.py): each epoch adds 1
// to `wait`; an improvement on the best (by more than |minDelta|, in the monitored direction) makes
// it the best and resets `wait` to 0 when there is no baseline or it also beats the baseline;
// otherwise training stops once wait >= patience (and epoch > 0). Epochs before startFromEpoch and
// epochs without the monitored value are not counted. With restoreBestWeights the best epoch's
// weights come back at the end of training, stopped early or not. Every expected epoch below is
// worked out by hand from those rules.

/** A classifier's spec: its compiled metrics say which way "auto" watches them. */
const classifierSpec = liveModel(
  sequential(input([2]), dense(3, "softmax")).compile({ loss: "categoricalCrossentropy", metrics: ["categoricalAccuracy", "mae"] }),
).spec;

/**
 * fit's callback protocol over scripted logs: before epoch e's end the model's weights are [e], so
 * the weights after training name the epoch they came from.
 */
function run(callback: Callback, values: readonly number[], monitor = "val_loss", epochs = values.length) {
  let weights = [Float32Array.of(-1)];
  const model: TrainingControl = {
    stopTraining: false,
    spec: classifierSpec,
    getWeights: () => weights.map((w) => w.slice()),
    setWeights: (w) => void (weights = w.map((a) => Float32Array.from(a))),
    save: () => {},
  };
  callback.onTrainBegin?.(model);
  let ran = 0;
  for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
    weights = [Float32Array.of(epoch)];
    callback.onEpochEnd?.(epoch, { loss: 1, [monitor]: values[epoch]! }, model);
    ran++;
  }
  callback.onTrainEnd?.(model);
  return { ran, weightsFrom: weights[0]![0]! };
}

const stopping = (options: EarlyStoppingOptions, values: readonly number[], monitor?: string) => run(earlyStopping(options), values, monitor);

afterEach(() => vi.restoreAllMocks());

describe("earlyStopping, epoch by epoch as Keras 3", () => {
  it("stops `patience` epochs after the best one, not one later", () => {
    // e0 0.5 best; e1 0.4 best (wait 0); e2 0.45 wait 1; e3 0.41 wait 2 >= 2: stop after e3.
    expect(stopping({ patience: 2 }, [0.5, 0.4, 0.45, 0.41, 0.42, 0.3]).ran).toBe(4);
    // patience 0: the first epoch that does not improve stops (e2).
    expect(stopping({ patience: 0 }, [1, 0.9, 0.95, 0.8]).ran).toBe(3);
    // Keras' own case: losses 10, 9, 8, 9, 8.9, ...: patience 1 stops at e3, patience 3 at e5.
    const keras = [10, 9, 8, 9, 8.9, 8.8, 8.7, 8.6, 8.5];
    expect(stopping({ monitor: "loss", patience: 1 }, keras, "loss").ran).toBe(4);
    expect(stopping({ monitor: "loss", patience: 3 }, keras, "loss").ran).toBe(6);
  });

  it("counts only a change larger than |minDelta| as an improvement", () => {
    // minDelta 0.05: e0 1.0 best; e1 0.97 (1.02 is not < 1.0) wait 1; e2 0.9 (0.95 < 1.0) best, wait 0;
    // e3 0.88 (0.93) wait 1; e4 0.8 (0.85 < 0.9) best, wait 0; e5 0.79 wait 1; e6 0.78 wait 2: stop.
    const values = [1.0, 0.97, 0.9, 0.88, 0.8, 0.79, 0.78, 0.77, 0.76];
    expect(stopping({ patience: 2, minDelta: 0.05 }, values).ran).toBe(7);
    expect(stopping({ patience: 2, minDelta: -0.05 }, values).ran).toBe(7);
    // Without minDelta every epoch improves.
    expect(stopping({ patience: 2 }, values).ran).toBe(9);
  });

  it("watches upwards in mode max, and in auto for a compiled accuracy (and downwards for an error)", () => {
    // Rising: e0 0.5; e1 0.6 best; e2 0.6 (not above) wait 1; e3 0.55 wait 2: stop after e3.
    const rising = [0.5, 0.6, 0.6, 0.55, 0.7];
    expect(stopping({ mode: "max", patience: 2 }, rising).ran).toBe(4);
    expect(stopping({ monitor: "val_categoricalAccuracy", patience: 2 }, rising, "val_categoricalAccuracy").ran).toBe(4);
    // Watched downwards the same values stop sooner: e1 0.6 wait 1, e2 0.6 wait 2: stop after e2.
    expect(stopping({ mode: "min", patience: 2 }, rising).ran).toBe(3);
    expect(stopping({ monitor: "mae", patience: 2 }, rising, "mae").ran).toBe(3);
  });

  it("refuses to guess the direction of a value that is neither the loss nor a compiled metric", () => {
    expect(() => stopping({ monitor: "val_f1" }, [1])).toThrow(
      'earlyStopping: cannot tell whether "val_f1" should rise or fall (it is not the loss or a compiled metric: loss, categoricalAccuracy, mae); pass mode "min" or "max"',
    );
    expect(stopping({ monitor: "val_f1", mode: "max" }, [0.5, 0.4], "val_f1").ran).toBe(2);
  });

  it("with a baseline, restarts the count only on an epoch that beats the baseline too", () => {
    // baseline 0.5, patience 3: e0 0.9 best, wait 1 (not below 0.5); e1 0.8 best, wait 2; e2 0.7 best,
    // wait 3 (improving epochs never stop); e3 0.71 wait 4 >= 3: stop. The best weights are e2's.
    expect(stopping({ patience: 3, baseline: 0.5, restoreBestWeights: true }, [0.9, 0.8, 0.7, 0.71, 0.72, 0.6, 0.4])).toEqual({ ran: 4, weightsFrom: 2 });
    // e0 0.9 wait 1; e1 0.4 beats both, wait 0; e2, e3, e4 wait 1, 2, 3: stop after e4.
    expect(stopping({ patience: 3, baseline: 0.5 }, [0.9, 0.4, 0.45, 0.44, 0.43, 0.46, 0.1]).ran).toBe(5);
    // Keras' own case: baseline 0.5, patience 5, 0.9 0.8 0.7 0.71 0.72 0.73: 5 epochs, e2's weights.
    expect(stopping({ patience: 5, baseline: 0.5, restoreBestWeights: true }, [0.9, 0.8, 0.7, 0.71, 0.72, 0.73])).toEqual({ ran: 5, weightsFrom: 2 });
  });

  it("watches nothing before startFromEpoch", () => {
    // e0..e2 ignored; e3 4 best; e4 3.5 best; e5 3.6 wait 1 >= 1: stop. Best weights e4's.
    const values = [1, 2, 3, 4, 3.5, 3.6, 3.7, 3.8];
    expect(stopping({ patience: 1, startFromEpoch: 3, restoreBestWeights: true }, values)).toEqual({ ran: 6, weightsFrom: 4 });
    // From epoch 0: e0 1 best, e1 2 wait 1: stop.
    expect(stopping({ patience: 1, restoreBestWeights: true }, values)).toEqual({ ran: 2, weightsFrom: 0 });
  });

  it("restores the best weights at the end of training whenever asked, stopped early or not", () => {
    expect(stopping({ patience: 10, restoreBestWeights: true }, [0.5, 0.3, 0.4])).toEqual({ ran: 3, weightsFrom: 1 });
    expect(stopping({ patience: 10 }, [0.5, 0.3, 0.4])).toEqual({ ran: 3, weightsFrom: 2 });
    // Stopped early without restoreBestWeights: the last epoch's weights stay.
    expect(stopping({ patience: 1 }, [0.5, 0.3, 0.4, 0.2])).toEqual({ ran: 3, weightsFrom: 2 });
  });

  it("does not count an epoch without the monitored value, and says so", () => {
    const lines: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: string) => void lines.push(line));
    // Monitoring val_loss where only val_mae is logged: nothing counts, training runs to the end.
    expect(run(earlyStopping({ patience: 0 }), [3, 2, 1], "val_mae").ran).toBe(3);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('earlyStopping: "val_loss" is not among the logged values (loss, val_mae); this epoch is not counted');
  });

  it("never improves on a NaN best, and a NaN never improves", () => {
    // e0 NaN best; e1 1 (1 < NaN is false) wait 1: stop.
    expect(stopping({ patience: 1 }, [NaN, 1, 0.5]).ran).toBe(2);
    // e0 1 best; e1 NaN wait 1; e2 NaN wait 2 >= 2: stop.
    expect(stopping({ patience: 2 }, [1, NaN, NaN, 0.5]).ran).toBe(3);
  });

  it("starts afresh on each fit", () => {
    const callback = earlyStopping({ patience: 1, restoreBestWeights: true });
    expect(run(callback, [0.1, 0.2, 0.3])).toEqual({ ran: 2, weightsFrom: 0 });
    // A stale best of 0.1 would stop this run after e1; afresh, e0 5 and e1 4 improve, e2 4.5 stops.
    expect(run(callback, [5, 4, 4.5, 3])).toEqual({ ran: 3, weightsFrom: 1 });
  });

  it("verbose 1 says when it stopped and which epoch's weights came back (Keras' lines)", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    stopping({ patience: 2, restoreBestWeights: true, verbose: 1 }, [0.5, 0.4, 0.45, 0.41, 0.42]);
    expect(lines).toEqual(["Epoch 4: early stopping", "Restoring model weights from the end of the best epoch: 2."]);
  });

  it("refuses bad options", () => {
    expect(() => earlyStopping({ patience: -1 })).toThrow("earlyStopping: patience must be a non-negative integer, got -1");
    expect(() => earlyStopping({ startFromEpoch: 1.5 })).toThrow("earlyStopping: startFromEpoch must be a non-negative integer, got 1.5");
    expect(() => earlyStopping({ baseline: NaN })).toThrow("earlyStopping: baseline must be a finite number, got NaN");
    expect(() => earlyStopping({ mode: "up" as never })).toThrow('earlyStopping: mode must be "min", "max" or "auto", got "up"');
  });
});

describe("earlyStopping in fit", () => {
  // One weight w (from 0) fitted to y = x on x = 1 by SGD at lr 0.25: the gradient of (w - 1)² is
  // 2(w - 1), so w halves its distance to 1 each epoch: 0.5, 0.75, 0.875, 0.9375, ... (exact in
  // float32). Validated on y = 0.8x: val_loss (w - 0.8)² is 0.09, 0.0025, 0.005625, 0.01890625, ...
  const oneWeight = () =>
    liveModel(sequential(input([1]), dense(1, { useBias: false, kernel: [[0]] })).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.25 }) }));
  const fitWith = (options: EarlyStoppingOptions) => {
    const model = oneWeight();
    const history = model.fit([[1]], [[1]], { epochs: 50, batchSize: 1, verbose: 0, validationData: [[[1]], [[0.8]]], callbacks: [earlyStopping(options)] });
    return { history, w: model.getWeights()[0]![0]! };
  };

  it("stops two epochs after the best with patience 2, and puts the best epoch's weight back", () => {
    // Best at e1 (0.0025); e2 wait 1, e3 wait 2: four epochs.
    const { history, w } = fitWith({ patience: 2, restoreBestWeights: true });
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    [0.09, 0.0025, 0.005625, 0.01890625].forEach((loss, e) => expect(Math.abs(history.val_loss![e]! - loss)).toBeLessThan(1e-7));
    expect(w).toBe(0.75);
  });

  it("keeps the last weight without restoreBestWeights, and minDelta can end it at once", () => {
    expect(fitWith({ patience: 2 }).w).toBe(0.9375);
    // minDelta 0.1: e1's 0.0025 + 0.1 is not below 0.09, nor are the later values: stop after e2.
    const { history, w } = fitWith({ patience: 2, minDelta: 0.1, restoreBestWeights: true });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(w).toBe(0.5);
  });
});
