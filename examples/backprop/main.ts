// The seed's worked example: forward values, the loss, one SGD step (learning rate 0.5), and the
// updated weights and loss, computed by the generated kernels.
import { runIfMain } from "../shared/run-main";
import { Backprop } from "./backprop.gen";

/** The seed's w1..w8 from the two kernels, laid out [in, out]: w1 = k[0][0], w2 = k[1][0], w3 = k[0][1], w4 = k[1][1]. */
function seedWeights([hidden, output]: Float32Array[]): number[] {
  const order = (k: Float32Array) => [k[0]!, k[2]!, k[1]!, k[3]!];
  return [...order(hidden!), ...order(output!)];
}

export function main(log: (line: string) => void = console.log) {
  const net = new Backprop();
  const x = [[0.1, 0.2]];
  const y = [[0.4, 0.6]];
  const fmt = (v: number) => v.toFixed(8);
  const [o1, o2] = net.predict(x)[0]! as [number, number];
  const lossBefore = net.evaluate(x, y);
  log(`forward: o1 = ${fmt(o1)}, o2 = ${fmt(o2)}`);
  log(`E_total = ${fmt(lossBefore)}`);
  net.trainOnBatch(x, y);
  const weights = seedWeights(net.getWeights());
  weights.forEach((w, i) => log(`w${i + 1} = ${fmt(w)}`));
  const lossAfter = net.evaluate(x, y);
  log(`E_total after one step = ${fmt(lossAfter)}`);
  return { outputs: [o1, o2], lossBefore, weights, lossAfter };
}

runIfMain(import.meta.url, main);
