// The two-input model on a target that needs both inputs: y = a0 + a1 - b0 + 0.5 * b1.
import { runIfMain } from "../shared/run-main";
import { randomMatrix } from "../shared/synthetic";
import { TwoInputs } from "./two-inputs.gen";

const target = (a: number[], b: number[]) => [a[0]! + a[1]! - b[0]! + 0.5 * b[1]!];

export function main(log: (line: string) => void = console.log) {
  const a = randomMatrix(512, 64, 3);
  const b = randomMatrix(512, 128, 4);
  const y = a.map((row, i) => target(row, b[i]!));
  const net = new TwoInputs();
  const before = net.evaluate([a, b], y);
  const history = net.fit([a, b], y, { epochs: 150, batchSize: 16, verbose: 0 });
  const after = net.evaluate([a, b], y);
  log(`loss before training ${before.toFixed(4)}, after 150 epochs ${after.toFixed(4)} (${(before / after).toFixed(1)}x lower)`);
  log(`epoch losses: ${history.loss.filter((_, i) => i % 5 === 0).map((l) => l.toFixed(3)).join(" ")}`);
  return { before, after };
}

runIfMain(import.meta.url, main);
