// The chapter's embedding table: a vocabulary of 7 words, each a dense vector of 2 numbers, looked up
// for sentences of 5 token ids ("Hope to see you soon" -> [0, 1, 2, 3, 4]); then the same lookup
// learned, feeding a sigmoid that tells the two sentences apart.
import { dense, embedding, flatten, input, rmsprop, sequential, sgd } from "typegrad/dsl";

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

export const lookup = sequential(input([5], { dtype: "int32" }), embedding(7, 2, { embeddingsInitializer: SEED_TABLE })).compile({
  loss: "meanSquaredError",
  optimizer: sgd({ learningRate: 0.5 }),
});

export const sentences = sequential(input([5], { dtype: "int32" }), embedding(7, 2), flatten(), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: rmsprop({ learningRate: 0.01 }),
  metrics: ["accuracy"],
  seed: 3,
});
