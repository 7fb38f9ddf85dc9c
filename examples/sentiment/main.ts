// The chapter's sentiment exercise on IMDB reviews: a Tokenizer keeps the 10,000 most frequent words
// of the training reviews, padSequences cuts each review to its last MAXLEN ids, and
// Embedding(10000, 32) -> SimpleRNN(32) -> Dense(1, sigmoid) learns positive from negative with
// RMSprop (batch 128, validationSplit 0.2, as Keras' IMDB tutorial); then the same with an LSTM(32).
import { imdbReviews, type Review } from "typegrad/datasets";
import { padSequences, Tokenizer } from "typegrad/text";
import { runIfMain } from "../shared/run-main";
import { LstmSentiment, RnnSentiment } from "./sentiment.gen";
import { MAXLEN, VOCABULARY } from "./sentiment.model";

export interface RunOptions {
  /** Use only this many reviews (train and test together; see imdbReviews' limit). Default: all 50,000. */
  readonly limit?: number;
  /** The share of the reviews held out for the test. Default 0.5 (25,000 / 25,000 as Keras' imdb.load_data). */
  readonly testFraction?: number;
  readonly epochs?: number;
  /** Default 32 (Keras' default, and its IMDB tutorial's). */
  readonly batchSize?: number;
  /** Which models to train. Default both. */
  readonly models?: readonly ModelName[];
  /** fit's verbose: 1 prints Keras' progress bar, 2 a line an epoch. */
  readonly verbose?: 0 | 1 | 2;
}

export type ModelName = "simpleRNN" | "lstm";

const MODELS = { simpleRNN: RnnSentiment, lstm: LstmSentiment };

const labels = (reviews: readonly Review[]) => Float32Array.from(reviews, (review) => review.label);

/** Reviews as MAXLEN token ids each, through a Tokenizer fitted on the training reviews. */
export async function prepare(split: { limit?: number; testFraction?: number } = {}) {
  const { train, test } = await imdbReviews(split);
  const tokenizer = new Tokenizer({ numWords: VOCABULARY }).fitOnTexts(train.map((review) => review.text));
  const ids = (reviews: readonly Review[]) => padSequences(tokenizer.textsToSequences(reviews.map((review) => review.text)), { maxlen: MAXLEN });
  return { train, test, xTrain: ids(train), yTrain: labels(train), xTest: ids(test), yTest: labels(test) };
}

export async function main(log: (line: string) => void = console.log, options: RunOptions = {}) {
  const { epochs = 3, batchSize = 32, models = ["simpleRNN", "lstm"] as const, verbose = 1 } = options;
  const data = await prepare({ limit: options.limit, testFraction: options.testFraction });
  const positive = data.yTest.reduce((sum, label) => sum + label, 0) / data.yTest.length;
  log(`${data.train.length} training reviews, ${data.test.length} test reviews (${(positive * 100).toFixed(1)} % positive), ${MAXLEN} tokens each`);
  const accuracies: Partial<Record<ModelName, number>> = {};
  for (const name of models) {
    log(`${name}:`);
    const net = new MODELS[name]();
    net.fit(data.xTrain, data.yTrain, { batchSize, epochs, validationSplit: 0.2, verbose });
    accuracies[name] = net.evaluate(data.xTest, data.yTest, { batchSize: 128 })[1]!;
    log(`${name} test accuracy: ${accuracies[name].toFixed(4)}`);
  }
  return { accuracies, positive };
}

runIfMain(import.meta.url, () => main());
