// The chapter's MLP for text classification: a bag of 10,000 words -> Dense(256, relu) -> Dropout(0.5)
// -> Dense(128, relu) -> Dropout(0.5) -> Dense(classes, softmax), categorical cross-entropy, Adam.
// Here the classes are the five groups of the Spam Assassin corpus. The input is sparse (compressed
// sparse rows from textsToMatrix(..., { sparse: true })); the dense twin takes the same rows whole.
import { dense, dropout, input, sequential } from "typegrad/dsl";

/** The Tokenizer's numWords: the bag-of-words width. */
export const VOCABULARY = 10000;
/** easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2. */
export const CLASSES = 5;

const layers = [dense(256, "relu"), dropout(0.5), dense(128, "relu"), dropout(0.5), dense(CLASSES, "softmax")] as const;
const compileConfig = { loss: "categoricalCrossentropy" as const, optimizer: "adam" as const, metrics: ["accuracy" as const], seed: 1 };

export const mailMlp = sequential(input([VOCABULARY], { sparse: true }), ...layers).compile(compileConfig);

export const mailMlpDense = sequential(input([VOCABULARY]), ...layers).compile(compileConfig);
