// The chapter's part-of-speech tagging exercise on the Brown corpus: each word's id -> Embedding
// (maskZero) -> Bidirectional(LSTM(returnSequences)) -> Dense(tags, softmax) at every word, sparse
// categorical cross-entropy on twelve coarse tags; per-word accuracy on held-out sentences (padding
// excluded) beside the majority-tag and unigram taggers.
import { brownTagged } from "typegrad/datasets";
import { runIfMain } from "../shared/run-main";
import { fitBaselines } from "./baselines";
import { Tagger } from "./pos-tagging.gen";
import { EMBEDDING_DIM, MAXLEN, UNITS, VOCABULARY } from "./pos-tagging.model";
import { pieces, rows, wordTokenizer, type TaggedPiece } from "./rows";
import { TAGSET } from "./tagset";

export interface RunOptions {
  /** Use only this many sentences (train and test together; see brownTagged's limit). Default: all 57,340. */
  readonly limit?: number;
  /** The share of the sentences held out. Default 0.2. */
  readonly testFraction?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  /** fit's verbose: 1 prints Keras' progress bar, 2 a line an epoch. */
  readonly verbose?: 0 | 1 | 2;
}

type Log = (line: string) => void;

/** Correct and scored words of held-out pieces under a tagger, all words and those never seen in training. */
interface Score {
  correct: number;
  words: number;
  unseenCorrect: number;
  unseenWords: number;
}

function score(test: readonly TaggedPiece[], seen: (word: string) => boolean, tagAt: (piece: number, position: number) => number): Score {
  const s: Score = { correct: 0, words: 0, unseenCorrect: 0, unseenWords: 0 };
  test.forEach(({ words, tags }, p) =>
    words.forEach((word, i) => {
      const right = tagAt(p, i) === tags[i] ? 1 : 0;
      s.correct += right;
      s.words++;
      if (!seen(word)) {
        s.unseenCorrect += right;
        s.unseenWords++;
      }
    }),
  );
  return s;
}

/** The column of the largest probability at one step of a prediction row (the first among equals). */
function argmaxAt(row: readonly number[], position: number): number {
  const from = position * TAGSET.length;
  let best = 0;
  for (let tag = 1; tag < TAGSET.length; tag++) if (row[from + tag]! > row[from + best]!) best = tag;
  return best;
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)} %`;

export async function main(log: Log = console.log, options: RunOptions = {}) {
  const { epochs = 3, batchSize = 32, verbose = 1 } = options;
  const split = await brownTagged({ limit: options.limit, testFraction: options.testFraction });
  const train = pieces(split.train);
  const test = pieces(split.test);
  const tokenizer = wordTokenizer(train);
  const trainRows = rows(tokenizer, train);
  const testRows = rows(tokenizer, test);
  const trainWords = train.reduce((sum, piece) => sum + piece.words.length, 0);
  const baselines = fitBaselines(train);
  log(
    `Brown corpus: ${split.train.length.toLocaleString("en-US")} training sentences (${trainWords.toLocaleString("en-US")} words), ` +
      `${split.test.length.toLocaleString("en-US")} held out; ${TAGSET.length} coarse tags; ` +
      `${tokenizer.wordIndex.size.toLocaleString("en-US")} distinct training words, the ${(VOCABULARY - 2).toLocaleString("en-US")} most frequent kept, the rest <unk>`,
  );
  log(`tagger: Embedding(${VOCABULARY}, ${EMBEDDING_DIM}, maskZero) -> Bidirectional(LSTM(${UNITS}, returnSequences)) -> Dense(${TAGSET.length}, softmax) on rows of ${MAXLEN} words`);

  const net = new Tagger();
  const started = performance.now();
  net.fit(trainRows.x, trainRows.y, { epochs, batchSize, validationSplit: 0.1, verbose });
  const seconds = (performance.now() - started) / 1000;
  log(`trained ${epochs} epochs in ${seconds.toFixed(0)} s`);

  const [, reportedAccuracy] = net.evaluate(testRows.x, testRows.y, { batchSize: 256 });
  const predictions = net.predict(testRows.x, { batchSize: 256 });
  const model = score(test, baselines.seen, (p, i) => argmaxAt(predictions[p]!, i));
  const majority = score(test, baselines.seen, () => baselines.majorityTag);
  const unigram = score(test, baselines.seen, (p, i) => baselines.tagOf(test[p]!.words[i]!));

  const unseen = model.unseenWords;
  log(`per-word accuracy on ${model.words.toLocaleString("en-US")} held-out words (padding excluded; ${unseen.toLocaleString("en-US")} of them, ${percent(unseen, model.words)}, never seen in training):`);
  const row = (what: string, s: Score) => log(`  ${what.padEnd(52)}${percent(s.correct, s.words).padStart(9)}   unseen words ${percent(s.unseenCorrect, Math.max(1, s.unseenWords))}`);
  row(`majority tag (${TAGSET[baselines.majorityTag]} for every word)`, majority);
  row("unigram (each word's most frequent training tag)", unigram);
  row("Bidirectional LSTM tagger", model);
  log(`  (the tagger's masked accuracy from evaluate: ${(100 * reportedAccuracy!).toFixed(2)} %)`);
  return { model, majority, unigram, reportedAccuracy: reportedAccuracy!, seconds };
}

runIfMain(import.meta.url, () => main());
