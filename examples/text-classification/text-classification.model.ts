// The chapter's MLP for text classification, built as the seed's fit_and_evaluate builds it:
//   model = Sequential()
//   model.add(Dense(256, input_shape=(vocab_size,), activation='relu'))
//   model.add(Dropout(0.5))
//   model.add(Dense(128, activation='relu'))
//   model.add(Dropout(0.5))
//   model.add(Dense(num_classes, activation='softmax'))
//   model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
// Here the classes are the five groups of the Spam Assassin corpus. The model the example trains takes
// its input sparse (compressed sparse rows from textsToMatrix(..., { sparse: true })), which a sparse
// input(...) says; its dense twin is the seed's listing line for line and takes the same rows whole.
import { dense, dropout, input, sequential } from "typegrad/dsl";

/** The Tokenizer's numWords: the bag-of-words width (the seed's vocab_size). */
export const VOCABULARY = 10000;
/** easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2. */
export const CLASSES = 5;

const compileConfig = { loss: "categoricalCrossentropy", optimizer: "adam", metrics: ["accuracy"], seed: 1 } as const;

export const mailMlp = sequential(input([VOCABULARY], { sparse: true }))
  .add(dense(256, "relu"))
  .add(dropout(0.5))
  .add(dense(128, "relu"))
  .add(dropout(0.5))
  .add(dense(CLASSES, "softmax"))
  .compile(compileConfig);

export const mailMlpDense = sequential()
  .add(dense(256, { inputShape: [VOCABULARY], activation: "relu" }))
  .add(dropout(0.5))
  .add(dense(128, "relu"))
  .add(dropout(0.5))
  .add(dense(CLASSES, "softmax"))
  .compile(compileConfig);
