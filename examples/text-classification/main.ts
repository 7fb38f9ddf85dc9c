// The chapter's text-classification exercise on the Spam Assassin corpus: the mails tokenised with
// numWords 10,000, turned into bags of words in each of Keras' four modes, and the chapter's MLP
// trained on each (batch 128, 5 epochs, validationSplit 0.1), printing the test accuracy per mode.
// The classes are the corpus' five groups (two of ham, one of hard ham, two of spam).
import { spamAssassin, SPAM_ASSASSIN_GROUPS, type Mail } from "typegrad/datasets";
import { MATRIX_MODES, Tokenizer, toCategorical, type MatrixMode } from "typegrad/text";
import { runIfMain } from "../shared/run-main";
import { MailMlp, MailMlpDense } from "./text-classification.gen";
import { VOCABULARY } from "./text-classification.model";

export interface RunOptions {
  /** Use only this many mails (train and test together; see spamAssassin's limit). Default: all 6,046. */
  readonly limit?: number;
  readonly modes?: readonly MatrixMode[];
  /** fit's verbose: 2 prints a line an epoch. */
  readonly verbose?: 0 | 1 | 2;
}

const FIT = { batchSize: 128, epochs: 5, validationSplit: 0.1 } as const;

/** One-hot rows of each mail's group (easy-ham-1 is class 0, ..., spam-2 class 4). */
function groupLabels(mails: readonly Mail[]): Float32Array {
  return toCategorical(mails.map((mail) => SPAM_ASSASSIN_GROUPS.indexOf(mail.group)), SPAM_ASSASSIN_GROUPS.length);
}

/** The mails, a Tokenizer fitted on the training texts (as the seed's prepare_data), and the labels. */
export async function prepare(limit?: number) {
  const { train, test } = await spamAssassin(limit === undefined ? {} : { limit });
  const trainTexts = train.map((mail) => mail.text);
  const testTexts = test.map((mail) => mail.text);
  const tokenizer = new Tokenizer({ numWords: VOCABULARY }).fitOnTexts(trainTexts);
  return { train, test, trainTexts, testTexts, tokenizer, yTrain: groupLabels(train), yTest: groupLabels(test) };
}

type Prepared = Awaited<ReturnType<typeof prepare>>;

/** The seed's fit_and_evaluate with sparse rows: the test accuracy of a freshly initialised model. */
export function sparseAccuracy(data: Prepared, mode: MatrixMode, verbose: 0 | 1 | 2 = 0): number {
  const net = new MailMlp();
  net.fit(data.tokenizer.textsToMatrix(data.trainTexts, mode, { sparse: true }), data.yTrain, { ...FIT, verbose });
  return net.evaluate(data.tokenizer.textsToMatrix(data.testTexts, mode, { sparse: true }), data.yTest, { batchSize: 128 })[1]!;
}

/** The same with whole rows (texts.length x 10,000 numbers) into a model whose input is not sparse. */
export function denseAccuracy(data: Prepared, mode: MatrixMode): number {
  const net = new MailMlpDense();
  net.fit(data.tokenizer.textsToMatrix(data.trainTexts, mode), data.yTrain, { ...FIT, verbose: 0 });
  return net.evaluate(data.tokenizer.textsToMatrix(data.testTexts, mode), data.yTest, { batchSize: 128 })[1]!;
}

/** The share of the test mails in the most common group: what a model that always says one group reaches. */
export function majorityShare(mails: readonly Mail[]): number {
  const counts = SPAM_ASSASSIN_GROUPS.map((group) => mails.filter((mail) => mail.group === group).length);
  return Math.max(...counts) / mails.length;
}

export async function main(log: (line: string) => void = console.log, options: RunOptions = {}) {
  const { modes = MATRIX_MODES, verbose = 2 } = options;
  const data = await prepare(options.limit);
  log(`${data.train.length} training mails, ${data.test.length} test mails; ${data.tokenizer.wordIndex.size} distinct words, the ${VOCABULARY - 1} most frequent kept`);
  log(`majority group of the test mails: ${majorityShare(data.test).toFixed(3)}`);
  const accuracies: Partial<Record<MatrixMode, number>> = {};
  for (const mode of modes) {
    if (verbose) log(`${mode} mode:`);
    const accuracy = sparseAccuracy(data, mode, verbose);
    accuracies[mode] = accuracy;
    log(`${mode} mode test accuracy: ${accuracy.toFixed(4)}`);
  }
  return { accuracies, majority: majorityShare(data.test) };
}

runIfMain(import.meta.url, () => main());
