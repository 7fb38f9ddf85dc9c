import type { Case } from "../cases";
import { caseData } from "../cases";
import { BilstmBench, GruBench, LstmBench, MlpBench, NnlmBench, RnnBench, SeedBench, XorBench } from "../models/bench.gen";

/**
 * typegrad trains through fit(): `steps` epochs over the case's one batch, silently, unshuffled, in
 * calls of at most EPOCHS_PER_FIT epochs, as a user trains a small network. One call of a million
 * epochs would mostly time the growth of its million-entry History arrays, not training.
 * The recurrent and nnlm cases take token ids as numbers, as a user passes them.
 */
const EPOCHS_PER_FIT = 1000;

const MODELS = { xor: XorBench, seed: SeedBench, mlp: MlpBench, rnn: RnnBench, lstm: LstmBench, gru: GruBench, bilstm: BilstmBench, nnlm: NnlmBench } as const;

export function typegradRunner(c: Case): (steps: number) => void {
  const { x, y } = caseData(c);
  const Model = MODELS[c.name as keyof typeof MODELS];
  if (!Model) throw new Error(`bench: no typegrad model for case "${c.name}" in bench/models/bench.model.ts`);
  const net = new Model();
  return (steps) => {
    for (let done = 0; done < steps; done += EPOCHS_PER_FIT) {
      net.fit(x, y, { epochs: Math.min(EPOCHS_PER_FIT, steps - done), batchSize: c.batch, shuffle: false, verbose: 0 });
    }
  };
}
