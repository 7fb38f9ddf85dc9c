// The benchmark cases: each a network and its data, or a preprocessing call and its corpus, and what
// a step means.

import type { MatrixMode } from "typegrad/text";

interface CaseBase {
  readonly name: string;
  readonly description: string;
  /** "steps/s" counts steps; "samples/s" counts examples trained on; "mails/s" counts mails preprocessed. */
  readonly unit: "steps/s" | "samples/s" | "mails/s";
  /** Examples a step works on. */
  readonly batch: number;
  /**
   * Peers to compare with; "torch-*" run in Python (bench/peers/torch.ts), skipped without torch, as
   * is "keras_preprocessing" without it (bench/peers/keras-preprocessing.ts).
   */
  readonly peers: readonly string[];
  /** Peers that cannot train this case, with the reason: a table row says so instead of a number. */
  readonly unmeasurable?: Readonly<Record<string, string>>;
  /** Required ratios: typegrad's throughput over a peer's. */
  readonly bars: Readonly<Record<string, number>>;
}

interface TrainingCaseBase extends CaseBase {
  readonly learningRate: number;
  /** The generated model class that trains it (bench/peers/typegrad.ts), when not the one of its name. */
  readonly model?: string;
  /** typegrad's thread count (fit's `threads`); every core by default. */
  readonly threads?: number;
}

/** A stack of Dense layers. */
export interface DenseCase extends TrainingCaseBase {
  readonly kind: "dense";
  readonly layers: readonly number[];
  readonly hidden: "sigmoid" | "relu";
  readonly output: "sigmoid" | "softmax";
  readonly loss: "meanSquaredError" | "categoricalCrossentropy";
  readonly optimizer: "sgd" | "adam";
  readonly useBias: boolean;
  /**
   * A bag-of-words input: this many distinct columns of each row are 1, the rest 0. typegrad takes
   * the rows as compressed sparse rows (its input is sparse); the peers take them whole.
   */
  readonly nonZerosPerRow?: number;
}

/**
 * Token ids -> Embedding(vocabulary, embeddingDim) -> one recurrent layer (its last output) ->
 * Dense(1, sigmoid), binary cross-entropy; Keras' initialisers and defaults.
 */
export interface RecurrentCase extends TrainingCaseBase {
  readonly kind: "recurrent";
  readonly vocabulary: number;
  readonly embeddingDim: number;
  readonly timesteps: number;
  readonly cell: "simpleRNN" | "lstm" | "gru";
  readonly units: number;
  /** Bidirectional(cell), the two last outputs concatenated. */
  readonly bidirectional: boolean;
  readonly loss: "binaryCrossentropy";
  readonly optimizer: "rmsprop" | "adam";
}

/**
 * A neural network language model (Bengio et al.): a window of token ids -> Embedding(vocabulary,
 * embeddingDim), flattened -> Dense(hidden, tanh) -> Dense(vocabulary, softmax), sparse categorical
 * cross-entropy on the next token's id; Keras' initialisers and defaults.
 */
export interface NnlmCase extends TrainingCaseBase {
  readonly kind: "nnlm";
  readonly vocabulary: number;
  readonly window: number;
  readonly embeddingDim: number;
  readonly hidden: number;
  readonly loss: "sparseCategoricalCrossentropy";
  readonly optimizer: "adam";
}

/**
 * Keras' text preprocessing (typegrad/text's Tokenizer against keras_preprocessing's) on `batch`
 * texts of the Spam Assassin corpus (bench/texts.ts). A step is one call over all of them:
 * fitOnTexts of a new Tokenizer, or textsToMatrix(texts, mode), dense, by a tokenizer fitted on them
 * beforehand. Each side prints a checksum of what the call made, so the bench can tell that both did
 * the same work.
 */
export interface TextsCase extends CaseBase {
  readonly kind: "texts";
  readonly operation: "fitOnTexts" | MatrixMode;
  readonly numWords: number;
}

export type TrainingCase = DenseCase | RecurrentCase | NnlmCase;

export type Case = TrainingCase | TextsCase;

/**
 * TF.js cannot train an Embedding of 10000 rows in a measurement's time. Its gradient is an
 * UnsortedSegmentSum: the wasm backend has no such kernel, and the cpu backend's loops over the
 * vocabulary, a masked sum over every token position per row (a step of the rnn case took 499 s).
 */
const TFJS_EMBEDDING = {
  "tfjs-cpu": "about 8 minutes a step (UnsortedSegmentSum, the Embedding's gradient, loops over the 10000 rows)",
  "tfjs-wasm": "no UnsortedSegmentSum kernel (the Embedding's gradient)",
};

const RECURRENT_PEERS = ["tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-all"];

/**
 * The nnlm case's Embedding gradient is an UnsortedSegmentSum too: not in the wasm backend; the cpu
 * backend's loop over the 5000 rows and 512 token positions takes about 30 s a step, so it is measured.
 */
const TFJS_NNLM_EMBEDDING = { "tfjs-wasm": TFJS_EMBEDDING["tfjs-wasm"] };

const TEXTS_CASE = { kind: "texts", unit: "mails/s", batch: 10000, numWords: 10000, peers: ["keras_preprocessing"], bars: {} } as const;

/** The texts cases: fitOnTexts, then textsToMatrix in each of Keras' modes. */
const TEXTS_CASES: readonly TextsCase[] = [
  { ...TEXTS_CASE, name: "texts-fit", operation: "fitOnTexts", description: "Tokenizer({ numWords: 10000 }).fitOnTexts of 10,000 Spam Assassin mails" },
  ...(["binary", "count", "tfidf", "freq"] as const).map((mode) => ({
    ...TEXTS_CASE,
    name: `texts-${mode}`,
    operation: mode,
    description: `textsToMatrix(10,000 Spam Assassin mails, "${mode}"), numWords 10000, dense`,
  })),
];

export const CASES: readonly Case[] = [
  {
    kind: "dense",
    name: "xor",
    description: "XOR 2-8-1 sigmoid, MSE, SGD, full batch of 4",
    unit: "steps/s",
    batch: 4,
    layers: [2, 8, 1],
    hidden: "sigmoid",
    output: "sigmoid",
    loss: "meanSquaredError",
    optimizer: "sgd",
    learningRate: 0.5,
    useBias: true,
    peers: ["brain.js", "tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-all"],
    bars: { "brain.js": 4, "tfjs-cpu": 1000, "tfjs-wasm": 1000 },
  },
  {
    kind: "dense",
    name: "seed",
    description: "the seed's 2-2-2 sigmoid network, SGD, batch 1",
    unit: "steps/s",
    batch: 1,
    layers: [2, 2, 2],
    hidden: "sigmoid",
    output: "sigmoid",
    loss: "meanSquaredError",
    optimizer: "sgd",
    learningRate: 0.5,
    useBias: false,
    peers: ["brain.js", "tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-all"],
    bars: {},
  },
  {
    kind: "dense",
    name: "mlp",
    description: "MLP 784-256-128-10 relu/softmax, categorical cross-entropy, Adam, batch 128",
    unit: "samples/s",
    batch: 128,
    layers: [784, 256, 128, 10],
    hidden: "relu",
    output: "softmax",
    loss: "categoricalCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    useBias: true,
    peers: ["tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-all"],
    bars: { "tfjs-wasm": 1.5, "torch-1t": 0.8 },
  },
  {
    kind: "dense",
    name: "mlp-1core",
    model: "mlp",
    threads: 1,
    description: "MLP 784-256-128-10 relu/softmax, categorical cross-entropy, Adam, batch 128, typegrad on one thread",
    unit: "samples/s",
    batch: 128,
    layers: [784, 256, 128, 10],
    hidden: "relu",
    output: "softmax",
    loss: "categoricalCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    useBias: true,
    peers: ["torch-1t"],
    bars: { "torch-1t": 0.6 },
  },
  {
    kind: "dense",
    name: "mlp-32",
    model: "mlp",
    description: "MLP 784-256-128-10 relu/softmax, categorical cross-entropy, Adam, batch 32",
    unit: "samples/s",
    batch: 32,
    layers: [784, 256, 128, 10],
    hidden: "relu",
    output: "softmax",
    loss: "categoricalCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    useBias: true,
    peers: ["torch-1t", "torch-all"],
    bars: { "torch-1t": 1 },
  },
  {
    kind: "dense",
    name: "text",
    description: "Text MLP 10000-256-128-20 relu/softmax, binary bag of words (150 words a row, 1.5 % non-zero), sparse input, categorical cross-entropy, Adam, batch 128",
    unit: "samples/s",
    batch: 128,
    layers: [10000, 256, 128, 20],
    hidden: "relu",
    output: "softmax",
    loss: "categoricalCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    useBias: true,
    nonZerosPerRow: 150,
    peers: ["tfjs-wasm", "torch-1t", "torch-all"],
    bars: { "torch-1t": 2 },
  },
  {
    kind: "recurrent",
    name: "rnn",
    description: "Embedding(10000, 32)-SimpleRNN(32)-Dense(1, sigmoid), T 100, binary cross-entropy, RMSprop, batch 64",
    unit: "samples/s",
    batch: 64,
    vocabulary: 10000,
    embeddingDim: 32,
    timesteps: 100,
    cell: "simpleRNN",
    units: 32,
    bidirectional: false,
    loss: "binaryCrossentropy",
    optimizer: "rmsprop",
    learningRate: 0.001,
    peers: RECURRENT_PEERS,
    unmeasurable: TFJS_EMBEDDING,
    bars: { "torch-1t": 2 },
  },
  {
    kind: "recurrent",
    name: "lstm",
    description: "Embedding(10000, 64)-LSTM(64)-Dense(1, sigmoid), T 50, binary cross-entropy, Adam, batch 64",
    unit: "samples/s",
    batch: 64,
    vocabulary: 10000,
    embeddingDim: 64,
    timesteps: 50,
    cell: "lstm",
    units: 64,
    bidirectional: false,
    loss: "binaryCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    peers: RECURRENT_PEERS,
    unmeasurable: TFJS_EMBEDDING,
    bars: { "torch-1t": 2 },
  },
  {
    kind: "recurrent",
    name: "gru",
    description: "Embedding(10000, 64)-GRU(64)-Dense(1, sigmoid), T 50, binary cross-entropy, Adam, batch 64",
    unit: "samples/s",
    batch: 64,
    vocabulary: 10000,
    embeddingDim: 64,
    timesteps: 50,
    cell: "gru",
    units: 64,
    bidirectional: false,
    loss: "binaryCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    peers: RECURRENT_PEERS,
    unmeasurable: TFJS_EMBEDDING,
    bars: {},
  },
  {
    kind: "recurrent",
    name: "bilstm",
    description: "Embedding(10000, 64)-Bidirectional(LSTM(32))-Dense(1, sigmoid), T 50, binary cross-entropy, Adam, batch 64",
    unit: "samples/s",
    batch: 64,
    vocabulary: 10000,
    embeddingDim: 64,
    timesteps: 50,
    cell: "lstm",
    units: 32,
    bidirectional: true,
    loss: "binaryCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    peers: RECURRENT_PEERS,
    unmeasurable: TFJS_EMBEDDING,
    bars: {},
  },
  {
    kind: "nnlm",
    name: "nnlm",
    description: "NNLM vocabulary 5,000, window 4, embedding 64, hidden 128, batch 128, Adam",
    unit: "samples/s",
    batch: 128,
    vocabulary: 5000,
    window: 4,
    embeddingDim: 64,
    hidden: 128,
    loss: "sparseCategoricalCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    peers: ["tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-all"],
    unmeasurable: TFJS_NNLM_EMBEDDING,
    bars: { "torch-1t": 1.5 },
  },
  ...TEXTS_CASES,
];

export function findCase(name: string): Case {
  const found = CASES.find((c) => c.name === name);
  if (!found) throw new Error(`bench: no case "${name}"; cases: ${CASES.map((c) => c.name).join(", ")}`);
  return found;
}

/**
 * Deterministic data. Dense cases: inputs in [0, 1) (or a bag of words: nonZerosPerRow distinct
 * columns at 1), one-hot or [0, 1) targets. Recurrent cases: token ids below the vocabulary (as
 * numbers), labels 0 or 1. The nnlm case: windows of token ids,
 * each with the id of the next token as its label.
 */
export function caseData(c: TrainingCase): { x: number[][]; y: number[][] } {
  let state = 12345;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
  if (c.kind === "nnlm") {
    const x = Array.from({ length: c.batch }, () => Array.from({ length: c.window }, () => Math.floor(next() * c.vocabulary)));
    const y = Array.from({ length: c.batch }, () => [Math.floor(next() * c.vocabulary)]);
    return { x, y };
  }
  if (c.kind === "recurrent") {
    const x = Array.from({ length: c.batch }, () => Array.from({ length: c.timesteps }, () => Math.floor(next() * c.vocabulary)));
    const y = Array.from({ length: c.batch }, () => [next() < 0.5 ? 0 : 1]);
    return { x, y };
  }
  if (c.name === "xor") return { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]] };
  if (c.name === "seed") return { x: [[0.1, 0.2]], y: [[0.4, 0.6]] };
  const [inputs, ...rest] = c.layers;
  const classes = rest[rest.length - 1]!;
  const x = Array.from({ length: c.batch }, () => (c.nonZerosPerRow ? bagOfWords(inputs!, c.nonZerosPerRow, next) : Array.from({ length: inputs! }, next)));
  const y = Array.from({ length: c.batch }, () => {
    const k = Math.floor(next() * classes);
    return Array.from({ length: classes }, (_, j) => (j === k ? 1 : 0));
  });
  return { x, y };
}

/** A row of `width` zeros with `count` distinct columns set to 1. */
function bagOfWords(width: number, count: number, next: () => number): number[] {
  const row = new Array<number>(width).fill(0);
  for (let set = 0; set < count; ) {
    const column = Math.floor(next() * width);
    if (row[column] === 0) (row[column] = 1), set++;
  }
  return row;
}
