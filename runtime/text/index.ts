// typegrad/text: Keras' text preprocessing (keras_preprocessing.text and .sequence), result for result.

export { Tokenizer, type TokenizerOptions } from "./tokenizer";
export { textToWordSequence, DEFAULT_FILTERS, type TextToWordSequenceOptions } from "./text-to-word-sequence";
export { padSequences, type PadSequencesOptions } from "./pad-sequences";
export { toCategorical } from "./to-categorical";
export { MATRIX_MODES, type MatrixMode, type MatrixOptions, type CsrMatrix } from "./matrix";
export type { Text } from "./check";
