import { expect, it } from "vitest";
import { main } from "./main";

const result = main(() => {});
const weight = (name: string) => result.weights[result.names.indexOf(name)]!;

it("a batch-normalised and a layer-normalised hidden layer each learn the three classes (test accuracy >= 0.9)", () => {
  expect(result.accuracy["batch normalisation"]).toBeGreaterThanOrEqual(0.9);
  expect(result.accuracy["layer normalisation"]).toBeGreaterThanOrEqual(0.9);
});

it("keeps Keras' weight order: gamma, beta, moving mean, moving variance", () => {
  expect(result.names).toEqual([
    "dense_kernel",
    "batch_normalization_gamma",
    "batch_normalization_beta",
    "batch_normalization_moving_mean",
    "batch_normalization_moving_variance",
    "dense_1_kernel",
    "dense_1_bias",
  ]);
});

it("the moving statistics track the hidden layer's statistics over the training data", () => {
  // z = x · W with the trained kernel: each unit's mean and biased variance over the whole training
  // set, computed here in float64. The moving averages (momentum 0.99: about the last 100 batches) of
  // the batch statistics land near them; the variance a little under (here 3-14%), as a batch of 32's
  // biased variance is 31/32 of the population's on average and the kernel still grows late in training.
  const kernel = weight("dense_kernel");
  const units = 16;
  const z = result.x.map((p) => Array.from({ length: units }, (_, u) => p.reduce((s, v, i) => s + v * kernel[i * units + u]!, 0)));
  const movingMean = weight("batch_normalization_moving_mean");
  const movingVariance = weight("batch_normalization_moving_variance");
  for (let u = 0; u < units; u++) {
    const mean = z.reduce((s, row) => s + row[u]!, 0) / z.length;
    const variance = z.reduce((s, row) => s + (row[u]! - mean) ** 2, 0) / z.length;
    const sd = Math.sqrt(variance);
    expect(Math.abs(movingMean[u]! - mean), `unit ${u} mean`).toBeLessThan(0.15 * sd);
    expect(Math.abs(movingVariance[u]! / variance - 1), `unit ${u} variance`).toBeLessThan(0.2);
  }
});

it("infers with the moving statistics: an example alone gives what it gives in a batch", () => {
  result.oneByOne.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - result.whole[i]![k]!)).toBeLessThan(1e-6)));
});

it("save and load keep every weight, the moving statistics included, and so the predictions", () => {
  const loaded = result.loaded.getWeights();
  result.weights.forEach((w, i) => expect(loaded[i]).toEqual(w));
  expect(result.loaded.predict(result.xTest)).toEqual(result.net.predict(result.xTest));
});
