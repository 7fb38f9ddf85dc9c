// The chapter's Input(50, 1) -> LSTM(10) -> Dense(10, relu) -> Dense(1, sigmoid) learns whether two
// values 30 to 49 steps apart are in order; a SimpleRNN(10) in its place, trained alike, does not get
// far past guessing from the second value alone.
import { runIfMain } from "../shared/run-main";
import { markedPairs, secondValueOnlyAccuracy, type MarkedPairs } from "./marked-pairs";
import { SequenceLstm, SequenceRnn } from "./sequence-lstm.gen";

export interface RunOptions {
  /** Training examples (the held-out set is always 1000). */
  readonly examples?: number;
  readonly epochs?: number;
  /** Both models' seed (initial weights, shuffles); the compiled seed when left out. */
  readonly seed?: number;
}

export interface ModelResult {
  readonly accuracy: number;
  readonly seconds: number;
  readonly summary: string;
}

const HELD_OUT = 1000;

function trainAndTest(net: SequenceLstm | SequenceRnn, train: MarkedPairs, test: MarkedPairs, epochs: number): ModelResult {
  const start = performance.now();
  net.fit(train.x, train.y, { epochs, verbose: 0 });
  const seconds = (performance.now() - start) / 1000;
  const [, accuracy] = net.evaluate(test.x, test.y);
  return { accuracy, seconds, summary: net.summary(false) };
}

export function main(log: (line: string) => void = console.log, { examples = 4000, epochs = 8, seed }: RunOptions = {}) {
  const train = markedPairs(examples, 101);
  const test = markedPairs(HELD_OUT, 202);
  const baseline = secondValueOnlyAccuracy(test);
  log(`${HELD_OUT} held-out sequences; guessing from the second marked value alone gets ${baseline.toFixed(3)} right`);
  const lstm = trainAndTest(new SequenceLstm({ seed }), train, test, epochs);
  log(lstm.summary);
  const rnn = trainAndTest(new SequenceRnn({ seed }), train, test, epochs);
  const line = (name: string, r: ModelResult) =>
    `${name} held-out accuracy ${r.accuracy.toFixed(3)} (${epochs} epochs on ${examples} sequences in ${r.seconds.toFixed(1)} s)`;
  log(line("LSTM(10):     ", lstm));
  log(line("SimpleRNN(10):", rnn));
  return { baseline, lstm, rnn };
}

runIfMain(import.meta.url, main);
