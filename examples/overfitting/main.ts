// Thirty noisy samples of sin(3x) and a network of 4,400 weights: the plain model bends itself
// through the noise; L1, L2 and dropout each narrow the gap between training and validation error.
import { Random } from "typegrad/runtime";
import { runIfMain } from "../shared/run-main";
import { Plain, WithDropout, WithL1, WithL2 } from "./overfitting.gen";

const TRAIN = 30;
const VALIDATION = 200;
const rng = new Random(7);
const x = Array.from({ length: TRAIN + VALIDATION }, () => [rng.uniform() * 2 - 1]);
const y = x.map(([v]) => [Math.sin(3 * v!) + rng.normal() * 0.3]);

export function main(log: (line: string) => void = console.log) {
  const models = { plain: new Plain(), l1: new WithL1(), l2: new WithL2(), dropout: new WithDropout() };
  const results: Record<string, { train: number; validation: number; gap: number }> = {};
  for (const [name, net] of Object.entries(models)) {
    // validationSplit holds out the last 200 examples, taken before shuffling.
    net.fit(x, y, { epochs: 1000, batchSize: TRAIN, validationSplit: VALIDATION / (TRAIN + VALIDATION), verbose: 0 });
    // The data error alone (the fit's loss adds the penalties): mean squared error of the predictions.
    const predictions = net.predict(x).map(([p]) => p!);
    const mse = (from: number, to: number) => predictions.slice(from, to).reduce((s, p, i) => s + (p - y[from + i]![0]!) ** 2, 0) / (to - from);
    const train = mse(0, TRAIN);
    const validation = mse(TRAIN, TRAIN + VALIDATION);
    results[name] = { train, validation, gap: validation - train };
    log(`${name.padEnd(8)} train MSE ${train.toFixed(4)}, validation MSE ${validation.toFixed(4)}, gap ${(validation - train).toFixed(4)}`);
  }
  return results;
}

runIfMain(import.meta.url, main);
