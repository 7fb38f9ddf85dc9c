import type { TrainingCase } from "../cases";
import { caseData } from "../cases";
import { BilstmBench, GruBench, LstmBench, MlpBench, NnlmBench, RnnBench, SeedBench, TextBench, XorBench } from "../models/bench.gen";

/**
 * typegrad trains through fit(): `steps` epochs over the case's one batch, silently, unshuffled, in
 * calls of at most EPOCHS_PER_FIT epochs, as a user trains a small network. One call of a million
 * epochs would mostly time the growth of its million-entry History arrays, not training.
 * The recurrent and nnlm cases take token ids as numbers, as a user passes them; a bag-of-words case takes
 * compressed sparse rows, as textsToMatrix(..., { sparse: true }) gives them.
 */
const EPOCHS_PER_FIT = 1000;

const MODELS = { xor: XorBench, seed: SeedBench, mlp: MlpBench, text: TextBench, rnn: RnnBench, lstm: LstmBench, gru: GruBench, bilstm: BilstmBench, nnlm: NnlmBench } as const;

/** Rows as compressed sparse rows: each row's non-zero columns, ascending. */
function csr(rows: readonly number[][]): { indptr: Int32Array; indices: Int32Array; values: Float32Array } {
  const indices: number[] = [];
  const values: number[] = [];
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, r) => {
    row.forEach((v, column) => v !== 0 && (indices.push(column), values.push(v)));
    indptr[r + 1] = indices.length;
  });
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** The case's training, `steps` epochs a call; `made` sees the model (bench/optimizer-training.ts swaps its optimiser). */
export function typegradRunner(c: TrainingCase, made?: (net: object) => void): (steps: number) => void {
  const data = caseData(c);
  const x = c.kind === "dense" && c.nonZerosPerRow ? csr(data.x) : data.x;
  const y = data.y;
  const Model = MODELS[(c.model ?? c.name) as keyof typeof MODELS];
  if (!Model) throw new Error(`bench: no typegrad model for case "${c.name}" in bench/models/bench.model.ts`);
  const net = new Model();
  made?.(net);
  return (steps) => {
    for (let done = 0; done < steps; done += EPOCHS_PER_FIT) {
      net.fit(x, y, { epochs: Math.min(EPOCHS_PER_FIT, steps - done), batchSize: c.batch, shuffle: false, verbose: 0, threads: c.threads });
    }
  };
}
