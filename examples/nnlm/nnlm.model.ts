// The chapter's neural network language model (Bengio et al.'s NNLM): the ids of the n previous words
// are looked up in an embedding table, the n vectors concatenated into the projection layer
// p = (e_{t-n}; ...; e_{t-1}), a tanh hidden layer h = tanh(W_h p + b_h), and a softmax over the
// vocabulary y = softmax(W_y h + b_y), trained on the id of the word that follows.
import { adam, dense, embedding, flatten, input, model, type Tensor } from "typegrad/dsl";

/** n: the number of previous words the model sees. */
export const WINDOW = 4;

/** The seed's sentence "what will the fat cat sit on": 7 words, id 0 left for padding. */
export const SENTENCE_VOCABULARY = 8;

const sentenceWindow = input([WINDOW], { dtype: "int32" });
const sentenceProjection: Tensor<[40]> = flatten(embedding(SENTENCE_VOCABULARY, 10)(sentenceWindow));
export const sentenceNnlm = model({
  inputs: sentenceWindow,
  outputs: dense(SENTENCE_VOCABULARY, "softmax")(dense(16, "tanh")(sentenceProjection)),
}).compile({ loss: "sparseCategoricalCrossentropy", optimizer: adam({ learningRate: 0.01 }), metrics: ["accuracy"], seed: 1 });

/** Moby Dick's 4,998 most frequent words (ids 2 to 4999), the out-of-vocabulary id 1, and id 0 for padding. */
export const VOCABULARY = 5000;

const window = input([WINDOW], { dtype: "int32" });
const projection: Tensor<[256]> = flatten(embedding(VOCABULARY, 64)(window));
const hidden = dense(128, "tanh")(projection);
// Adam at 3e-3 rather than Keras' 1e-3: a pass over a slice of the book then already beats the unigram model.
export const nnlm = model({ inputs: window, outputs: dense(VOCABULARY, "softmax")(hidden) }).compile({
  loss: "sparseCategoricalCrossentropy",
  optimizer: adam({ learningRate: 0.003 }),
  seed: 1,
});
