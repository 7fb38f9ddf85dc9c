// The chapter's part-of-speech tagger: each word's id -> Embedding(maskZero) -> a bidirectional LSTM
// that returns every step -> Dense(tags, softmax) at each step, trained with sparse categorical
// cross-entropy on one tag id per word. Padded steps (id 0) count in neither the loss nor the accuracy.
import { adam, bidirectional, dense, embedding, input, lstm, sequential } from "typegrad/dsl";
import { TAGSET } from "./tagset";

/** Words per row: longer sentences are cut into pieces of MAXLEN words, shorter ones padded after their last word. */
export const MAXLEN = 50;
/** The Tokenizer's numWords: ids below 10,000 (0 is the padding, 1 the out-of-vocabulary word). */
export const VOCABULARY = 10000;
export const EMBEDDING_DIM = 32;
export const UNITS = 32;

export const tagger = sequential(input([MAXLEN], { dtype: "int32" }))
  .add(embedding(VOCABULARY, EMBEDDING_DIM, { maskZero: true }))
  .add(bidirectional(lstm(UNITS, { returnSequences: true }))) // [MAXLEN, 2 * UNITS]: each word read from both sides
  .add(dense(TAGSET.length, "softmax")) // at every step: [MAXLEN, tags]
  .compile({ loss: "sparseCategoricalCrossentropy", optimizer: adam({ learningRate: 0.01 }), metrics: ["sparseCategoricalAccuracy"], seed: 1 });
