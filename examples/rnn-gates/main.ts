// SimpleRNN(32), LSTM(32) and GRU(32) side by side on one task: each model's summary, its number of
// weights, its training time, and its held-out accuracy, overall and by how far from the end the
// opinion word sat.
import { runIfMain } from "../shared/run-main";
import { opinionWords, STEPS, type OpinionWords } from "./opinion-words";
import { WithGru, WithLstm, WithSimpleRnn } from "./rnn-gates.gen";

export interface RunOptions {
  /** Training examples (the held-out set is always 600). */
  readonly examples?: number;
  readonly epochs?: number;
  /** The models' seed (initial weights, shuffles); the compiled seed when left out. */
  readonly seed?: number;
}

export interface CellResult {
  readonly summary: string;
  readonly params: number;
  readonly seconds: number;
  readonly accuracy: number;
  /** Held-out accuracy with the opinion word 0-9, 10-19 and 20-29 steps before the last. */
  readonly byDistance: readonly number[];
}

const HELD_OUT = 600;
const BAND = 10;

function accuracyByDistance(predictions: number[][], data: OpinionWords): number[] {
  const right = new Array<number>(STEPS / BAND).fill(0);
  const seen = new Array<number>(STEPS / BAND).fill(0);
  predictions.forEach(([p], e) => {
    const band = Math.floor(data.distance[e]! / BAND);
    seen[band]!++;
    if ((p! > 0.5 ? 1 : 0) === data.y[e]) right[band]!++;
  });
  return right.map((r, band) => r / seen[band]!);
}

function trainAndTest(net: WithSimpleRnn | WithLstm | WithGru, train: OpinionWords, test: OpinionWords, epochs: number): CellResult {
  const start = performance.now();
  net.fit(train.x, train.y, { epochs, batchSize: 32, verbose: 0 });
  const seconds = (performance.now() - start) / 1000;
  const [, accuracy] = net.evaluate(test.x, test.y);
  const params = net.getWeights().reduce((sum, w) => sum + w.length, 0);
  return { summary: net.summary(false), params, seconds, accuracy, byDistance: accuracyByDistance(net.predict(test.x), test) };
}

export function main(log: (line: string) => void = console.log, { examples = 1200, epochs = 4, seed }: RunOptions = {}) {
  const train = opinionWords(examples, 101);
  const test = opinionWords(HELD_OUT, 202);
  const models = { SimpleRNN: new WithSimpleRnn({ seed }), LSTM: new WithLstm({ seed }), GRU: new WithGru({ seed }) };
  const results: Record<string, CellResult> = {};
  for (const [name, net] of Object.entries(models)) {
    const r = trainAndTest(net, train, test, epochs);
    results[name] = r;
    log(r.summary);
    const bands = r.byDistance.map((a, band) => `${band * BAND}-${band * BAND + BAND - 1} ${a.toFixed(2)}`).join(", ");
    log(`${name}: ${r.params.toLocaleString("en-US")} weights, ${epochs} epochs on ${examples} sequences in ${r.seconds.toFixed(1)} s`);
    log(`  held-out accuracy ${r.accuracy.toFixed(3)}; by the opinion word's distance from the end: ${bands}\n`);
  }
  return results as Record<"SimpleRNN" | "LSTM" | "GRU", CellResult>;
}

runIfMain(import.meta.url, main);
