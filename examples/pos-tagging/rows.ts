// Tagged sentences as the tagger's rows: MAXLEN word ids padded after the last word (id 0), and the
// tag id of each word (0 under the padding, where the mask keeps it out of the loss and accuracy).

import type { TaggedSentence } from "typegrad/datasets";
import { padSequences, Tokenizer } from "typegrad/text";
import { MAXLEN, VOCABULARY } from "./pos-tagging.model";
import { coarseTag, TAG_ID } from "./tagset";

/** A sentence (or a piece of a long one) as its words and their coarse tag ids. */
export interface TaggedPiece {
  readonly words: readonly string[];
  readonly tags: readonly number[];
}

/** Sentences longer than MAXLEN words cut into pieces of at most MAXLEN, so every word is tagged and scored. */
export function pieces(sentences: readonly TaggedSentence[]): TaggedPiece[] {
  return sentences.flatMap((sentence) => {
    const out: TaggedPiece[] = [];
    for (let from = 0; from < sentence.length; from += MAXLEN) {
      const words = sentence.slice(from, from + MAXLEN);
      out.push({ words: words.map(([word]) => word), tags: words.map(([, tag]) => TAG_ID.get(coarseTag(tag))!) });
    }
    return out;
  });
}

/**
 * The training words' tokenizer: the VOCABULARY − 2 most frequent words (lower-cased, as Keras'
 * default; punctuation kept, since each word is given as a token and no filter applies), every
 * other word the OOV token "<unk>" (id 1), so a word never seen in training still has an id.
 */
export function wordTokenizer(train: readonly TaggedPiece[]): Tokenizer {
  return new Tokenizer({ numWords: VOCABULARY, oovToken: "<unk>" }).fitOnTexts(train.map((piece) => piece.words));
}

export interface Rows {
  /** count × MAXLEN word ids, 0 after the last word. */
  readonly x: Int32Array;
  /** count × MAXLEN tag ids, 0 under the padding. */
  readonly y: Float32Array;
  readonly count: number;
}

/** Padding "post": word i of a piece sits at step i, so the row's tags line up with its words. */
export function rows(tokenizer: Tokenizer, tagged: readonly TaggedPiece[]): Rows {
  const x = padSequences(tokenizer.textsToSequences(tagged.map((piece) => piece.words)), { maxlen: MAXLEN, padding: "post", truncating: "post" });
  const y = new Float32Array(tagged.length * MAXLEN);
  tagged.forEach((piece, r) => y.set(piece.tags, r * MAXLEN));
  return { x, y, count: tagged.length };
}
