// The chapter's neural network language model: first on the seed's sentence "what will the fat cat
// sit on" (the next word after "the fat cat sit"), then on Moby Dick with a 5,000-word vocabulary,
// its held-out perplexity next to count-based n-gram models and the nearest words of a few embeddings.
import { earlyStopping } from "typegrad/runtime";
import { mobyDick } from "typegrad/datasets";
import { Tokenizer } from "typegrad/text";
import { runIfMain } from "../shared/run-main";
import { KneserNey } from "./kneser-ney";
import { Nnlm, SentenceNnlm } from "./nnlm.gen";
import { VOCABULARY, WINDOW } from "./nnlm.model";
import { nearest } from "./similarity";
import { PAD, sliceWindows, windowsOf, type Windows } from "./windows";

export const SENTENCE = "what will the fat cat sit on";

type Log = (line: string) => void;

/** The seed's exercise: learn the sentence, then ask for the word after "the fat cat sit". */
export function sentence(log: Log = console.log) {
  const tokenizer = new Tokenizer().fitOnTexts([SENTENCE]);
  const windows = windowsOf(tokenizer.textsToSequences([SENTENCE]), WINDOW);
  const net = new SentenceNnlm();
  const history = net.fit(windows.x, windows.y, { epochs: 200, batchSize: windows.count, verbose: 0 });
  const context = "the fat cat sit";
  const [probabilities] = net.predict(tokenizer.textsToSequences([context]));
  const ranked = probabilities!.map((p, id) => ({ p, id })).filter(({ id }) => id !== PAD).sort((a, b) => b.p - a.p);
  const word = (id: number) => tokenizer.indexWord.get(id)!;
  log(`"${SENTENCE}": ${windows.count} windows of ${WINDOW} words (padded at the start), 200 epochs, loss ${history.loss.at(-1)!.toFixed(4)}, accuracy ${history.accuracy!.at(-1)!.toFixed(2)}`);
  log(`after "${context}": ${ranked.slice(0, 3).map(({ p, id }) => `${word(id)} ${p.toFixed(3)}`).join(", ")}`);
  return { predicted: word(ranked[0]!.id), probability: ranked[0]!.p, accuracy: history.accuracy!.at(-1)! };
}

export interface MobyDickOptions {
  /** Read only this many of the book's 139 parts (a quick slice); default all. */
  readonly limit?: number;
  /** Keep the numWords − 2 most frequent words and <unk> (Tokenizer's numWords); default and at most VOCABULARY. */
  readonly numWords?: number;
  /** At most this many epochs; training stops earlier when the validation perplexity stops improving. */
  readonly epochs?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: Log;
}

/** p(next word | window) under the network, for each window. */
function nnlmProbabilities(net: Nnlm, w: Windows): Float64Array {
  const p = new Float64Array(w.count);
  const chunk = 1024;
  for (let from = 0; from < w.count; from += chunk) {
    const to = Math.min(w.count, from + chunk);
    net.predict(w.x.subarray(from * w.n, to * w.n), { batchSize: chunk }).forEach((row, i) => (p[from + i] = row[w.y[from + i]!]!));
  }
  return p;
}

/** exp of the mean −log p. */
function perplexity(p: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) total -= Math.log(p[i]!);
  return Math.exp(total / p.length);
}

/**
 * The unigram model of the training words, whatever came before: p(w) = (count(w) + 1) / (N + V − 1)
 * over the V − 1 words (add-one, so that a word never seen in training still has a probability).
 */
function unigramPerplexity(train: Windows, test: Windows, classes: number): number {
  const counts = new Float64Array(classes);
  train.y.forEach((id) => counts[id]!++);
  return perplexity(Array.from(test.y, (id) => (counts[id]! + 1) / (train.count + classes - 1)));
}

export async function mobyDickLm({ limit, numWords = VOCABULARY, epochs = 10, verbose = 1, log = console.log }: MobyDickOptions = {}) {
  if (!(Number.isInteger(numWords) && numWords >= 3 && numWords <= VOCABULARY)) throw new Error(`mobyDickLm: numWords must be an integer in [3, ${VOCABULARY}], got ${numWords}`);
  const { train, test } = await mobyDick(limit === undefined ? {} : { limit });
  const tokenizer = new Tokenizer({ numWords, oovToken: "<unk>" }).fitOnTexts(train.map((part) => part.text));
  const all = windowsOf(tokenizer.textsToSequences(train.map((part) => part.text)), WINDOW);
  const held = windowsOf(tokenizer.textsToSequences(test.map((part) => part.text)), WINDOW);
  // The last tenth of the training text (its last parts) picks the epoch to stop at; the held-out parts are only measured.
  const fitted = sliceWindows(all, 0, Math.round(all.count * 0.9));
  const validation = sliceWindows(all, fitted.count, all.count);
  const unknown = held.y.filter((id) => id === 1).length / held.count;
  log(
    `Moby Dick: ${train.length} parts to train on (${fitted.count.toLocaleString("en-US")} words, ${validation.count.toLocaleString("en-US")} more for validation), ` +
      `${test.length} held out (${held.count.toLocaleString("en-US")} words); ${tokenizer.wordIndex.size.toLocaleString("en-US")} distinct words, ` +
      `the ${(numWords - 2).toLocaleString("en-US")} most frequent kept, the rest <unk> (${(100 * unknown).toFixed(1)}% of the held-out words)`,
  );

  const unigram = unigramPerplexity(fitted, held, numWords);
  const ngrams = [2, 3, 4, 5].map((n) => {
    const model = new KneserNey(fitted, n, numWords);
    return { n, model, perplexity: model.perplexity(held), unseen: model.unseen(held) };
  });

  const net = new Nnlm();
  const started = performance.now();
  const history = net.fit(fitted.x, fitted.y, {
    epochs,
    batchSize: 128,
    verbose,
    validationData: [validation.x, validation.y],
    callbacks: [
      { onEpochEnd: (epoch, logs) => log(`epoch ${epoch + 1}: training perplexity ${Math.exp(logs.loss!).toFixed(1)}, validation perplexity ${Math.exp(logs.val_loss!).toFixed(1)}`) },
      earlyStopping({ patience: 1, restoreBestWeights: true }),
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  const trainedEpochs = history.loss.length;
  log(`trained ${trainedEpochs} epochs in ${seconds.toFixed(0)} s (${Math.round((trainedEpochs * fitted.count) / seconds).toLocaleString("en-US")} windows/s)`);

  const pNnlm = nnlmProbabilities(net, held);
  const kn = ngrams.find((g) => g.n === WINDOW + 1)!;
  const pMixed = pNnlm.map((p, i) => 0.5 * p + 0.5 * kn.model.probability(held.x.subarray(i * WINDOW, (i + 1) * WINDOW), held.y[i]!));
  const nnlm = perplexity(pNnlm);
  const mixed = perplexity(pMixed);

  const row = (what: string, value: number, note = "") => log(`  ${what.padEnd(42)}${value.toFixed(1).padStart(7)}${note}`);
  log(`held-out perplexity (${held.count.toLocaleString("en-US")} words, vocabulary ${numWords.toLocaleString("en-US")} with <unk>; lower is better):`);
  row("unigram (word counts alone, add-one)", unigram);
  for (const g of ngrams) row(`${g.n}-gram, interpolated Kneser-Ney`, g.perplexity, `   ${(100 * g.unseen.grams).toFixed(0)}% of the held-out ${g.n}-grams never seen in training`);
  row(`NNLM, ${WINDOW} previous words`, nnlm);
  row(`NNLM and the ${WINDOW + 1}-gram model, half each`, mixed);
  log(`  (counted without smoothing, an n-gram never seen gets probability 0, and the held-out text an infinite perplexity)`);

  const table = net.getWeights()[0]!;
  const dim = table.length / VOCABULARY;
  const word = (id: number) => tokenizer.indexWord.get(id)!;
  const similar: Record<string, string[]> = {};
  for (const query of ["whale", "ship", "sea", "captain", "three", "his", "said", "white"]) {
    const id = tokenizer.wordIndex.get(query);
    if (id === undefined || id >= numWords) continue;
    // rows 0 (padding) and 1 (<unk>) are no word, and rows from numWords on are never trained
    similar[query] = nearest(table, dim, id, 5, (r) => r < 2 || r >= numWords).map((n) => word(n.id));
    log(`nearest to "${query}": ${similar[query]!.join(", ")}`);
  }
  return { unigram, ngrams: ngrams.map(({ n, perplexity, unseen }) => ({ n, perplexity, unseen })), nnlm, mixed, epochs: trainedEpochs, similar, held, fitted };
}

export async function main(log: Log = console.log) {
  sentence(log);
  await mobyDickLm({ log });
}

runIfMain(import.meta.url, main);
