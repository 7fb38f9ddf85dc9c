import type { Case } from "../cases";
import { caseData } from "../cases";
import { MlpBench, SeedBench, XorBench } from "../models/bench.gen";

/**
 * typegrad trains through fit(): `steps` epochs over the case's one batch, silently, unshuffled, in
 * calls of at most EPOCHS_PER_FIT epochs, as a user trains a small network. One call of a million
 * epochs would mostly time the growth of its million-entry History arrays, not training.
 */
const EPOCHS_PER_FIT = 1000;

export function typegradRunner(c: Case): (steps: number) => void {
  const { x, y } = caseData(c);
  const net = c.name === "xor" ? new XorBench() : c.name === "seed" ? new SeedBench() : new MlpBench();
  return (steps) => {
    for (let done = 0; done < steps; done += EPOCHS_PER_FIT) {
      net.fit(x, y, { epochs: Math.min(EPOCHS_PER_FIT, steps - done), batchSize: c.batch, shuffle: false, verbose: 0 });
    }
  };
}
