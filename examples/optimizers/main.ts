// SGD, momentum, Adagrad, RMSprop and Adam on one problem: 3 classes from 8 features.
import { runIfMain } from "../shared/run-main";
import { randomMatrix } from "../shared/synthetic";
import { WithAdagrad, WithAdam, WithMomentum, WithRmsprop, WithSgd } from "./optimizers.gen";

export const x = randomMatrix(600, 8, 31);
const oneHot = (k: number) => [0, 1, 2].map((j) => (j === k ? 1 : 0));
export const y = x.map((p) => oneHot(p[0]! + p[1]! > 0.5 ? 0 : p[2]! - p[3]! > 0 ? 1 : 2));

export function main(log: (line: string) => void = console.log) {
  const models = { sgd: new WithSgd(), momentum: new WithMomentum(), adagrad: new WithAdagrad(), rmsprop: new WithRmsprop(), adam: new WithAdam() };
  const results: Record<string, { start: Float32Array[]; losses: number[]; accuracy: number }> = {};
  for (const [name, net] of Object.entries(models)) {
    const start = net.getWeights();
    const history = net.fit(x, y, { epochs: 20, batchSize: 32, verbose: 0 });
    const { loss: losses } = history;
    results[name] = { start, losses, accuracy: history.accuracy!.at(-1)! };
    log(`${name.padEnd(9)} loss ${losses[0]!.toFixed(4)} -> ${losses.at(-1)!.toFixed(4)}, accuracy ${results[name]!.accuracy.toFixed(4)}`);
  }
  return results;
}

runIfMain(import.meta.url, main);
