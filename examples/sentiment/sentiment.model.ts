// The chapter's sentiment model, as the seed builds it:
//   model = Sequential()
//   model.add(Embedding(vocab_size, embedding_dim))
//   model.add(SimpleRNN(hidden_units))
//   model.add(Dense(1, activation='sigmoid'))
//   model.compile(optimizer='rmsprop', loss='binary_crossentropy', metrics=['acc'])
// with vocab_size 10000, embedding_dim 32, hidden_units 32, on reviews of MAXLEN token ids (Keras 3
// says the length as the Embedding's input_shape); and an LSTM(32) in the SimpleRNN's place.
import { dense, embedding, lstm, sequential, simpleRNN } from "typegrad/dsl";

/** The Tokenizer's numWords: ids below 10,000 (0 is the padding). */
export const VOCABULARY = 10000;
/** Tokens kept of each review: its last MAXLEN words, shorter reviews padded in front (Keras' defaults). */
export const MAXLEN = 100;
const EMBEDDING_DIM = 32;
const HIDDEN_UNITS = 32;

const compileConfig = { loss: "binaryCrossentropy", optimizer: "rmsprop", metrics: ["accuracy"], seed: 1 } as const;

export const rnnSentiment = sequential()
  .add(embedding(VOCABULARY, EMBEDDING_DIM, { inputShape: [MAXLEN] }))
  .add(simpleRNN(HIDDEN_UNITS))
  .add(dense(1, "sigmoid"))
  .compile(compileConfig);

export const lstmSentiment = sequential()
  .add(embedding(VOCABULARY, EMBEDDING_DIM, { inputShape: [MAXLEN] }))
  .add(lstm(HIDDEN_UNITS))
  .add(dense(1, "sigmoid"))
  .compile(compileConfig);
