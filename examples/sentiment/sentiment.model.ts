// The chapter's sentiment model: Embedding(10000, 32) -> SimpleRNN(32) -> Dense(1, sigmoid), RMSprop,
// binary cross-entropy, on reviews of MAXLEN token ids; and an LSTM(32) in the SimpleRNN's place.
import { dense, embedding, input, lstm, sequential, simpleRNN } from "typegrad/dsl";

/** The Tokenizer's numWords: ids below 10,000 (0 is the padding). */
export const VOCABULARY = 10000;
/** Tokens kept of each review: its last MAXLEN words, shorter reviews padded in front (Keras' defaults). */
export const MAXLEN = 100;

const compileConfig = { loss: "binaryCrossentropy" as const, optimizer: "rmsprop" as const, metrics: ["accuracy" as const], seed: 1 };

export const rnnSentiment = sequential(input([MAXLEN], { dtype: "int32" }), embedding(VOCABULARY, 32), simpleRNN(32), dense(1, "sigmoid")).compile(compileConfig);

export const lstmSentiment = sequential(input([MAXLEN], { dtype: "int32" }), embedding(VOCABULARY, 32), lstm(32), dense(1, "sigmoid")).compile(compileConfig);
