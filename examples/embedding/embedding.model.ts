// The chapter's embedding table: a vocabulary of 7 words, each a dense vector of 2 numbers, looked up
// for sentences of 5 token ids ("Hope to see you soon" -> [0, 1, 2, 3, 4]); then the same lookup
// learned, feeding a sigmoid that tells the two sentences apart.
import { dense, embedding, flatten, rmsprop, sequential, sgd } from "typegrad/dsl";

/** The table of the seed's slide: row i is the vector of token id i. */
export const SEED_TABLE = [
  [1.2, 3.1],
  [0.1, 4.2],
  [1.0, 3.1],
  [0.3, 2.1],
  [2.2, 1.4],
  [0.7, 1.7],
  [4.1, 2.0],
];

// The seed's model = Sequential(); model.add(Embedding(vocab_size, embedding_dim, input_length=5)).
// Keras 3 says the length as the layer's input_shape, here inputShape: [5], int32 token ids.
export const lookup = sequential()
  .add(embedding(7, 2, { inputShape: [5], embeddingsInitializer: SEED_TABLE }))
  .compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.5 }) });

export const sentences = sequential()
  .add(embedding(7, 2, { inputShape: [5] }))
  .add(flatten())
  .add(dense(1, "sigmoid"))
  .compile({ loss: "binaryCrossentropy", optimizer: rmsprop({ learningRate: 0.01 }), metrics: ["accuracy"], seed: 3 });
