import { expect, it } from "vitest";
import { KneserNey } from "./kneser-ney";
import { mobyDickLm, sentence } from "./main";
import { nearest } from "./similarity";
import { windowsOf } from "./windows";

// The CI slice: 40 of the book's 139 parts (32 to train on, 8 held out), its 998 most frequent words
// and <unk>, one epoch. main.ts runs the whole book with 4,998 words.
const NUM_WORDS = 1000;
const tiny = sentence(() => {});
const slice = await mobyDickLm({ limit: 40, numWords: NUM_WORDS, epochs: 1, verbose: 0, log: () => {} });

it('predicts "on" after "the fat cat sit", the seed\'s exercise', () => {
  expect(tiny.predicted).toBe("on");
  expect(tiny.probability).toBeGreaterThan(0.9);
  expect(tiny.accuracy).toBe(1);
});

it("predicts held-out Moby Dick far better than word counts alone: below 0.85 of the unigram model's perplexity", () => {
  // The unigram model, counted here from the training words: p(w) = (count + 1) / (N + V - 1), V - 1 = 999 words.
  const counts = new Map<number, number>();
  for (const id of slice.fitted.y) counts.set(id, (counts.get(id) ?? 0) + 1);
  let logLoss = 0;
  for (const id of slice.held.y) logLoss -= Math.log(((counts.get(id) ?? 0) + 1) / (slice.fitted.count + NUM_WORDS - 1));
  const unigram = Math.exp(logLoss / slice.held.count);
  expect(unigram).toBeGreaterThan(60); // the words are not all "the"
  expect(slice.nnlm).toBeLessThan(0.85 * unigram);
  expect(slice.nnlm).toBeLessThan(NUM_WORDS / 5);
  expect(slice.held.count).toBeGreaterThan(10_000);
});

it("mixes NNLM and Kneser-Ney: no worse than the geometric mean of the two perplexities (Jensen)", () => {
  const fiveGram = slice.ngrams.find((g) => g.n === 5)!.perplexity;
  expect(slice.mixed).toBeLessThanOrEqual(Math.sqrt(slice.nnlm * fiveGram));
});

it("shows the sparsity of counts: most held-out 5-grams never occurred in training, fewer bigrams did not", () => {
  const unseen = Object.fromEntries(slice.ngrams.map((g) => [g.n, g.unseen.grams]));
  expect(unseen[5]).toBeGreaterThan(0.8);
  expect(unseen[2]).toBeLessThan(unseen[3]!);
  expect(unseen[3]).toBeLessThan(unseen[5]!);
});

it("Kneser-Ney gives a probability distribution over the vocabulary, in seen and unseen contexts", () => {
  // ids 1..6; the text "1 2 3 1 2 4 1 2 3 5" and a second one "6 6 2 3"
  const train = windowsOf([[1, 2, 3, 1, 2, 4, 1, 2, 3, 5], [6, 6, 2, 3]], 4);
  for (const n of [1, 2, 3, 5]) {
    const model = new KneserNey(train, n, 7);
    for (const context of [[0, 0, 1, 2], [3, 1, 2, 4], [5, 5, 5, 5], [0, 6, 6, 2]]) {
      const total = [1, 2, 3, 4, 5, 6].reduce((sum, w) => sum + model.probability(context, w), 0);
      expect(total, `order ${n}, context ${context}`).toBeCloseTo(1, 12);
    }
  }
  // After "1 2", "3" came twice and "4" once: the trigram model ranks them so.
  const trigram = new KneserNey(train, 3, 7);
  expect(trigram.probability([0, 0, 1, 2], 3)).toBeGreaterThan(trigram.probability([0, 0, 1, 2], 4));
  expect(trigram.probability([0, 0, 1, 2], 4)).toBeGreaterThan(trigram.probability([0, 0, 1, 2], 6));
});

it("finds nearest rows by cosine, best first, leaving the word itself and skipped ids out", () => {
  const table = Float32Array.from([0, 0, 1, 0, 0.9, 0.1, -1, 0, 0.5, 0.5, 2, 0.1]);
  expect(nearest(table, 2, 1, 3).map((n) => n.id)).toEqual([5, 2, 4]);
  expect(nearest(table, 2, 1, 2, (id) => id === 5).map((n) => n.id)).toEqual([2, 4]);
  expect(nearest(table, 2, 1, 1)[0]!.cosine).toBeCloseTo(2 / Math.sqrt(4.01), 6);
});

it("makes one window per word, padded with id 0 at the start of each text", () => {
  const w = windowsOf([[5, 6, 7], [8]], 2);
  expect(w.count).toBe(4);
  expect([...w.x]).toEqual([0, 0, 0, 5, 5, 6, 0, 0]);
  expect([...w.y]).toEqual([5, 6, 7, 8]);
});
