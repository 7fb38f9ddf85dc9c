// The taggers a network has to beat: the training set's most frequent tag for every word, and the
// unigram tagger (each word's most frequent tag in training; the majority tag for a word never seen).

import { TAGSET } from "./tagset";
import type { TaggedPiece } from "./rows";

/** Lower-cased, as the tagger's tokenizer sees words. */
const key = (word: string) => word.toLowerCase();

/** The most counted tag id (the lowest id among equals). */
function mostFrequent(counts: ArrayLike<number>): number {
  let best = 0;
  for (let tag = 1; tag < counts.length; tag++) if (counts[tag]! > counts[best]!) best = tag;
  return best;
}

export interface Baselines {
  readonly majorityTag: number;
  /** The unigram tagger's tag for a word. */
  tagOf(word: string): number;
  /** Whether the word occurs in the training pieces. */
  seen(word: string): boolean;
}

/** Counts of tags per word over every training word (no vocabulary cut-off: the strongest unigram tagger these pieces allow). */
export function fitBaselines(train: readonly TaggedPiece[]): Baselines {
  const overall = new Float64Array(TAGSET.length);
  const byWord = new Map<string, Float64Array>();
  for (const { words, tags } of train) {
    words.forEach((word, i) => {
      let counts = byWord.get(key(word));
      if (!counts) byWord.set(key(word), (counts = new Float64Array(TAGSET.length)));
      counts[tags[i]!]!++;
      overall[tags[i]!]!++;
    });
  }
  const majorityTag = mostFrequent(overall);
  const unigram = new Map([...byWord].map(([word, counts]) => [word, mostFrequent(counts)]));
  return { majorityTag, tagOf: (word) => unigram.get(key(word)) ?? majorityTag, seen: (word) => unigram.has(key(word)) };
}
