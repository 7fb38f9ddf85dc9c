// Three classes of 4-d points (which of three directions a point leans to most), learned through a
// batch-normalised and a layer-normalised hidden layer; the batch-normalised model's moving statistics,
// its inference (one example at a time gives what a whole batch gives), and a save and load.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runIfMain } from "../shared/run-main";
import { randomMatrix } from "../shared/synthetic";
import { BatchNormalized, LayerNormalized } from "./normalization.gen";

const DIRECTIONS = [
  [1, 0.5, -1, 0],
  [-0.5, 1, 0.5, 1],
  [0, -1, 0.5, -1],
];

/** One-hot: the direction the point projects onto most. */
export function label(point: readonly number[]): number[] {
  const scores = DIRECTIONS.map((d) => d.reduce((s, v, i) => s + v * point[i]!, 0));
  const best = scores.indexOf(Math.max(...scores));
  return DIRECTIONS.map((_, k) => (k === best ? 1 : 0));
}

export function main(log: (line: string) => void = console.log) {
  // Offset and scaled inputs: the normalisation, not the data, puts the hidden layer near zero mean and unit variance.
  const shift = (rows: number[][]) => rows.map((r) => r.map((v, i) => 3 * v + i));
  const train = randomMatrix(600, 4, 11);
  const test = randomMatrix(300, 4, 12);
  const x = shift(train);
  const xTest = shift(test);
  const y = train.map(label);
  const yTest = test.map(label);

  const results: Record<string, number> = {};
  for (const [name, net] of [["batch normalisation", new BatchNormalized()], ["layer normalisation", new LayerNormalized()]] as const) {
    net.fit(x, y, { epochs: 30, batchSize: 32, verbose: 0 });
    const [loss, accuracy] = net.evaluate(xTest, yTest) as [number, number];
    log(`${name}: test loss ${loss.toFixed(4)}, accuracy ${accuracy.toFixed(4)}`);
    results[name] = accuracy;
  }

  const net = new BatchNormalized();
  net.fit(x, y, { epochs: 30, batchSize: 32, verbose: 0 });
  const names = net.spec.params.map((p) => p.name);
  const weights = net.getWeights();
  const at = (name: string) => weights[names.indexOf(name)]!;
  log(`weights in Keras order: ${names.join(", ")}`);
  log(`moving mean ${Array.from(at("batch_normalization_moving_mean").subarray(0, 4), (v) => v.toFixed(3)).join(", ")}, ...`);
  log(`moving variance ${Array.from(at("batch_normalization_moving_variance").subarray(0, 4), (v) => v.toFixed(3)).join(", ")}, ...`);
  const whole = net.predict(xTest.slice(0, 8));
  const oneByOne = xTest.slice(0, 8).map((p) => net.predict([p])[0]!);

  const dir = mkdtempSync(join(tmpdir(), "typegrad-normalization-"));
  const file = join(dir, "batch-normalized.safetensors");
  net.save(file);
  const loaded = BatchNormalized.load(file);
  rmSync(dir, { recursive: true });
  log(`after save and load, the same predictions: ${JSON.stringify(loaded.predict(xTest)) === JSON.stringify(net.predict(xTest))}`);
  return { accuracy: results, names, weights, whole, oneByOne, loaded, net, x, xTest };
}

runIfMain(import.meta.url, main);
