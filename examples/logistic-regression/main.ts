// Logistic regression on separable 3-d data: the label is which side of a plane a point lies on.
import { runIfMain } from "../shared/run-main";
import { randomMatrix } from "../shared/synthetic";
import { Logistic } from "./logistic-regression.gen";

const plane = [1.5, -2, 0.5];
const label = (p: number[]) => [p.reduce((s, v, i) => s + v * plane[i]!, 0.3) > 0 ? 1 : 0];

export function main(log: (line: string) => void = console.log) {
  const train = randomMatrix(400, 3, 1);
  const test = randomMatrix(200, 3, 2);
  const net = new Logistic();
  const history = net.fit(train, train.map(label), { epochs: 100, batchSize: 16, verbose: 0 });
  const [testLoss, testAccuracy] = net.evaluate(test, test.map(label)) as [number, number];
  log(`train: loss ${history.loss.at(-1)!.toFixed(4)}, accuracy ${history.accuracy!.at(-1)!.toFixed(4)}`);
  log(`test:  loss ${testLoss.toFixed(4)}, accuracy ${testAccuracy.toFixed(4)}`);
  log(`learned weights ${Array.from(net.getWeights()[0]!, (w) => w.toFixed(2)).join(", ")} (the plane is ${plane.join(", ")}, up to scale)`);
  return { testAccuracy };
}

runIfMain(import.meta.url, main);
