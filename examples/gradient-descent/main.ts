// Batch, mini-batch and stochastic gradient descent are the same training with a different
// batchSize: 2000 examples in batches of 2000, 200 and 1 make 1, 10 and 2000 iterations an epoch.
import { runIfMain } from "../shared/run-main";
import { noise, randomMatrix } from "../shared/synthetic";
import { Regressor } from "./gradient-descent.gen";

const x = randomMatrix(2000, 4, 21);
const jitter = noise(2000, 22, 0.1);
const y = x.map(([a, b, c, d], i) => [Math.sin(a!) + 0.5 * b! * c! - 0.3 * d! + jitter[i]!]);

export function main(log: (line: string) => void = console.log) {
  const runs = [
    { name: "batch (full)", batchSize: 2000 },
    { name: "mini-batch", batchSize: 200 },
    { name: "stochastic", batchSize: 1 },
  ].map(({ name, batchSize }) => {
    const net = new Regressor();
    const history = net.fit(x, y, { batchSize, epochs: 10, verbose: 0 });
    log(`${name.padEnd(13)} batchSize ${String(batchSize).padStart(4)}: ${history.params.steps} iterations/epoch, loss ${history.loss.map((l) => l.toFixed(3)).join(" ")}`);
    return { name, batchSize, iterations: history.params.steps, losses: history.loss };
  });
  return { runs };
}

runIfMain(import.meta.url, main);
