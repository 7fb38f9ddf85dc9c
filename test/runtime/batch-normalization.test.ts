import { describe, expect, it } from "vitest";
import { batchNormalization, input, model, sgd } from "typegrad/dsl";
import { liveModel } from "../support/live-model";

// Batch normalisation's moving statistics, worked by hand from Keras 3's rules: in training each call
// moves them toward the batch's mean and biased variance by (1 - momentum); inference leaves them be.

const x = [
  [1, 10],
  [2, 20],
  [6, 60],
];
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: number[]) => mean(v.map((a) => (a - mean(v)) ** 2));

function sharedTwice(momentum: number) {
  const input_ = input([2]);
  const norm = batchNormalization({ momentum, center: false, scale: false });
  return liveModel(model({ inputs: input_, outputs: norm(norm(input_)) }).compile({ loss: "meanSquaredError", optimizer: sgd() }));
}

describe("batch normalisation's moving statistics", () => {
  it("a layer shared by two calls updates them once per call, in call order", () => {
    const momentum = 0.5;
    const net = sharedTwice(momentum);
    net.trainOnBatch(x, [[0, 0], [0, 0], [0, 0]]);
    const [movingMean, movingVariance] = net.getWeights() as [Float32Array, Float32Array];
    for (let c = 0; c < 2; c++) {
      const column = x.map((row) => row[c]!);
      const v1 = variance(column);
      // The second call sees the first's output: mean 0, variance v1 / (v1 + ε).
      const v2 = v1 / (v1 + 1e-3);
      const expectedMean = (0 * momentum + mean(column) * (1 - momentum)) * momentum + 0 * (1 - momentum);
      const expectedVariance = (1 * momentum + v1 * (1 - momentum)) * momentum + v2 * (1 - momentum);
      expect(Math.abs(movingMean[c]! - expectedMean), `mean ${c}`).toBeLessThan(1e-5);
      expect(Math.abs(movingVariance[c]! / expectedVariance - 1), `variance ${c}`).toBeLessThan(1e-6);
    }
  });

  it("predict and evaluate leave them as they are, and normalise with them", () => {
    const net = sharedTwice(0.9);
    net.trainOnBatch(x, [[0, 0], [0, 0], [0, 0]]);
    const before = net.getWeights();
    const predicted = net.predict(x);
    net.evaluate(x, [[0, 0], [0, 0], [0, 0]]);
    expect(net.getWeights()).toEqual(before);
    const [movingMean, movingVariance] = before as [Float32Array, Float32Array];
    const once = (v: number, c: number) => (v - movingMean[c]!) / Math.sqrt(movingVariance[c]! + 1e-3);
    x.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(predicted[r]![c]! - once(once(v, c), c))).toBeLessThan(1e-5)));
  });
});
