import type { Case } from "../cases";
import { caseData } from "../cases";
import { MlpBench, SeedBench, XorBench } from "../models/bench.gen";

/** typegrad trains through fit(): `steps` epochs over the case's one batch, silently, unshuffled. */
export function typegradRunner(c: Case): (steps: number) => void {
  const { x, y } = caseData(c);
  const net = c.name === "xor" ? new XorBench() : c.name === "seed" ? new SeedBench() : new MlpBench();
  return (steps) => void net.fit(x, y, { epochs: steps, batchSize: c.batch, shuffle: false, verbose: 0 });
}
