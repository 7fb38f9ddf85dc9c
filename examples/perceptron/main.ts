// AND, NAND and OR from hand-set perceptrons; XOR defeats one layer and yields to two.
import { runIfMain } from "../shared/run-main";
import { AndGate, MultiLayerXor, NandGate, OrGate, SingleLayerXor } from "./perceptron.gen";

const inputs = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const xor = [[0], [1], [1], [0]];

export function main(log: (line: string) => void = console.log) {
  const gates = { AND: new AndGate(), NAND: new NandGate(), OR: new OrGate() };
  const truthTables: Record<string, number[]> = {};
  for (const [name, gate] of Object.entries(gates)) {
    truthTables[name] = gate.predict(inputs).map(([v]) => v!);
    log(`${name.padEnd(4)} ${inputs.map((x, i) => `${x.join("")}->${truthTables[name]![i]}`).join("  ")}`);
  }
  const single = new SingleLayerXor();
  single.fit(inputs, xor, { epochs: 1000, batchSize: 4, verbose: 0 });
  const [, singleAccuracy] = single.evaluate(inputs, xor) as [number, number];
  const multi = new MultiLayerXor();
  multi.fit(inputs, xor, { epochs: 500, batchSize: 4, verbose: 0 });
  const [, multiAccuracy] = multi.evaluate(inputs, xor) as [number, number];
  log(`XOR, one sigmoid layer after 1000 epochs: accuracy ${singleAccuracy}`);
  log(`XOR, a hidden layer of 8 after 500 epochs: accuracy ${multiAccuracy}`);
  return { truthTables, singleAccuracy, multiAccuracy };
}

runIfMain(import.meta.url, main);
