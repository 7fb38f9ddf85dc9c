// keras_preprocessing.text.Tokenizer, method for method: the same vocabulary order (by count,
// descending; ties in order of first appearance), the numWords cut-off (indices below numWords are
// kept), the OOV token at index 1, and the same matrices. Dictionaries are Maps so that words such
// as "2020" or "__proto__" keep their place and meaning.

import { checkCount, checkOptionNames, checkSequences, checkTexts, describeValue, type Text } from "./check";
import { checkMode, denseMatrix, sparseMatrix, type CsrMatrix, type MatrixMode, type MatrixOptions } from "./matrix";
import { DEFAULT_FILTERS, checkWordOptions, wordSequence } from "./text-to-word-sequence";
import { parseTokenizerJson, tokenizerJson, type TokenizerConfig } from "./tokenizer-json";

export interface TokenizerOptions {
  /** Keep only words whose index is below numWords (the numWords - 1 most frequent; the OOV token counts as one). Default: all. */
  readonly numWords?: number;
  /** Characters removed (replaced by `split`) before splitting. Default: punctuation, tab and newline, not "'". */
  readonly filters?: string;
  /** Lower-case the texts. Default true. */
  readonly lower?: boolean;
  /** Word separator. Default " ". */
  readonly split?: string;
  /** Every character (code point) is a token; filters and split are not used. Default false. */
  readonly charLevel?: boolean;
  /** If given, it gets index 1 and stands for every unknown (or cut-off) word in textsToSequences. */
  readonly oovToken?: string;
}

const OPTION_NAMES = ["numWords", "filters", "lower", "split", "charLevel", "oovToken"] as const;

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export class Tokenizer {
  readonly numWords: number | undefined;
  readonly filters: string;
  readonly lower: boolean;
  readonly split: string;
  readonly charLevel: boolean;
  readonly oovToken: string | undefined;

  #documentCount = 0;
  #wordCounts = new Map<string, number>();
  #wordDocs = new Map<string, number>();
  #indexDocs = new Map<number, number>();
  #wordIndex = new Map<string, number>();
  #indexWord = new Map<number, string>();

  constructor(options: TokenizerOptions = {}) {
    const what = "new Tokenizer";
    if (typeof options !== "object" || options === null) throw new Error(`${what}: expected an options object, got ${describeValue(options)}`);
    checkOptionNames(options, OPTION_NAMES, what);
    const { filters = DEFAULT_FILTERS, lower = true, split = " ", charLevel = false, oovToken } = options;
    this.numWords = checkCount(options.numWords, "numWords", what);
    if (typeof charLevel !== "boolean") throw new Error(`${what}: charLevel must be true or false, got ${describeValue(charLevel)}`);
    // charLevel uses neither filters nor split, so an empty split is fine there (as in Keras).
    checkWordOptions(filters, lower, charLevel && split === "" ? "unused" : split, what);
    if (oovToken !== undefined && oovToken !== null && typeof oovToken !== "string") throw new Error(`${what}: oovToken must be a string, got ${describeValue(oovToken)}`);
    this.filters = filters;
    this.lower = lower;
    this.split = split;
    this.charLevel = charLevel;
    this.oovToken = oovToken ?? undefined;
  }

  /** Number of texts (or sequences) fitted on. */
  get documentCount(): number {
    return this.#documentCount;
  }
  /** Word -> occurrences over all fitted texts, in order of first appearance. */
  get wordCounts(): ReadonlyMap<string, number> {
    return this.#wordCounts;
  }
  /** Word -> number of fitted texts containing it. */
  get wordDocs(): ReadonlyMap<string, number> {
    return this.#wordDocs;
  }
  /** Word index -> number of fitted texts containing it (what tfidf reads). */
  get indexDocs(): ReadonlyMap<number, number> {
    return this.#indexDocs;
  }
  /** Word -> index from 1 (1 is the OOV token when there is one), most frequent first. */
  get wordIndex(): ReadonlyMap<string, number> {
    return this.#wordIndex;
  }
  /** Index -> word. */
  get indexWord(): ReadonlyMap<number, string> {
    return this.#indexWord;
  }

  /** One text's tokens: characters (charLevel), the given tokens (an array), or text_to_word_sequence. */
  #tokens(text: Text): readonly string[] {
    if (typeof text !== "string") return this.lower ? text.map((token) => token.toLowerCase()) : text;
    if (this.charLevel) return Array.from(this.lower ? text.toLowerCase() : text);
    return wordSequence(text, this.filters, this.lower, this.split);
  }

  /** Adds texts to the vocabulary and re-numbers it (Keras' fit_on_texts). */
  fitOnTexts(texts: Iterable<Text>): this {
    for (const text of checkTexts(texts, "fitOnTexts")) {
      this.#documentCount++;
      const seq = this.#tokens(text);
      for (const w of seq) increment(this.#wordCounts, w);
      for (const w of new Set(seq)) increment(this.#wordDocs, w);
    }
    // Stable sort by count, descending: ties keep their first appearance (Python's sort(reverse=True) is stable too).
    const sorted = [...this.#wordCounts].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    if (this.oovToken !== undefined) sorted.unshift(this.oovToken);
    // dict(zip(words, 1..)): a word listed twice (the OOV token also met as a word) keeps its first place and its last index.
    this.#wordIndex = new Map();
    sorted.forEach((w, i) => this.#wordIndex.set(w, i + 1));
    this.#indexWord = new Map();
    for (const [w, i] of this.#wordIndex) this.#indexWord.set(i, w);
    for (const [w, c] of this.#wordDocs) {
      const i = this.#wordIndex.get(w);
      if (i !== undefined) this.#indexDocs.set(i, c);
    }
    return this;
  }

  /** Counts documents per index from sequences, for tfidf without texts (Keras' fit_on_sequences). */
  fitOnSequences(sequences: readonly ArrayLike<number>[]): this {
    const seqs = checkSequences(sequences, "fitOnSequences");
    this.#documentCount += seqs.length;
    for (const seq of seqs) for (const i of new Set(Array.from(seq))) increment(this.#indexDocs, i);
    return this;
  }

  #checkFitted(what: string): void {
    if (this.#documentCount === 0 && this.#wordIndex.size === 0) throw new Error(`${what}: the tokenizer has no vocabulary yet; call fitOnTexts (or Tokenizer.fromJson) first`);
  }

  /** Each text as word indices: unknown words dropped (or the OOV index), indices >= numWords dropped (or the OOV index). */
  textsToSequences(texts: Iterable<Text>): number[][] {
    const list = checkTexts(texts, "textsToSequences");
    this.#checkFitted("textsToSequences");
    return list.map((text) => this.#sequence(text));
  }

  #sequence(text: Text): number[] {
    const numWords = this.numWords;
    const oov = this.oovToken === undefined ? undefined : this.#wordIndex.get(this.oovToken);
    const out: number[] = [];
    for (const w of this.#tokens(text)) {
      const i = this.#wordIndex.get(w);
      if (i !== undefined && !(numWords !== undefined && i >= numWords)) out.push(i);
      else if (oov !== undefined) out.push(oov);
    }
    return out;
  }

  /** Each sequence back to its words joined by " " (with the same numWords and OOV rules). */
  sequencesToTexts(sequences: readonly ArrayLike<number>[]): string[] {
    if (!Array.isArray(sequences)) throw new Error(`sequencesToTexts: expected an array of sequences, got ${describeValue(sequences)}`);
    const numWords = this.numWords;
    const oovWord = this.oovToken === undefined ? undefined : this.#indexWord.get(this.#wordIndex.get(this.oovToken) ?? -1) ?? this.oovToken;
    return sequences.map((seq, s) => {
      if (!Array.isArray(seq) && !ArrayBuffer.isView(seq)) throw new Error(`sequencesToTexts: sequence ${s} is ${describeValue(seq)}; expected an array of word indices`);
      const words: string[] = [];
      for (const n of Array.from(seq as ArrayLike<number>)) {
        const word = this.#indexWord.get(n);
        if (word !== undefined && !(numWords !== undefined && n >= numWords)) words.push(word);
        else if (oovWord !== undefined) words.push(oovWord);
      }
      return words.join(" ");
    });
  }

  /** Matrix width: numWords, or the vocabulary size + 1. */
  #width(what: string): number {
    if (this.numWords !== undefined) return this.numWords;
    if (this.#wordIndex.size > 0) return this.#wordIndex.size + 1;
    throw new Error(`${what}: give the Tokenizer numWords, or fit it on some texts first`);
  }

  /** One row per text: a row-major Float32Array (texts x width), or compressed sparse rows with { sparse: true }. */
  textsToMatrix(texts: Iterable<Text>, mode?: MatrixMode, options?: MatrixOptions & { sparse?: false }): Float32Array;
  textsToMatrix(texts: Iterable<Text>, mode: MatrixMode, options: MatrixOptions & { sparse: true }): CsrMatrix;
  textsToMatrix(texts: Iterable<Text>, mode?: MatrixMode, options?: MatrixOptions): Float32Array | CsrMatrix;
  textsToMatrix(texts: Iterable<Text>, mode: MatrixMode = "binary", options: MatrixOptions = {}): Float32Array | CsrMatrix {
    const list = checkTexts(texts, "textsToMatrix");
    checkMode(mode, "textsToMatrix");
    this.#checkFitted("textsToMatrix");
    return this.#matrix(list.map((text) => this.#sequence(text)), mode, options, "textsToMatrix");
  }

  /** One row per sequence of word indices; see textsToMatrix. */
  sequencesToMatrix(sequences: readonly ArrayLike<number>[], mode?: MatrixMode, options?: MatrixOptions & { sparse?: false }): Float32Array;
  sequencesToMatrix(sequences: readonly ArrayLike<number>[], mode: MatrixMode, options: MatrixOptions & { sparse: true }): CsrMatrix;
  sequencesToMatrix(sequences: readonly ArrayLike<number>[], mode?: MatrixMode, options?: MatrixOptions): Float32Array | CsrMatrix;
  sequencesToMatrix(sequences: readonly ArrayLike<number>[], mode: MatrixMode = "binary", options: MatrixOptions = {}): Float32Array | CsrMatrix {
    const seqs = checkSequences(sequences, "sequencesToMatrix");
    checkMode(mode, "sequencesToMatrix");
    return this.#matrix(seqs, mode, options, "sequencesToMatrix");
  }

  #matrix(sequences: ArrayLike<number>[], mode: MatrixMode, options: MatrixOptions, what: string): Float32Array | CsrMatrix {
    if (typeof options !== "object" || options === null) throw new Error(`${what}: expected an options object ({ sparse }), got ${describeValue(options)}`);
    checkOptionNames(options, ["sparse"], what);
    const width = this.#width(what);
    if (mode === "tfidf" && this.#documentCount === 0) throw new Error(`${what}: mode "tfidf" needs document frequencies; call fitOnTexts (or fitOnSequences) first`);
    const docs = { documentCount: this.#documentCount, indexDocs: this.#indexDocs };
    return options.sparse === true ? sparseMatrix(sequences, width, mode, docs) : denseMatrix(sequences, width, mode, docs);
  }

  /** Keras' tokenizer JSON (Tokenizer.to_json), loadable by keras.preprocessing.text.tokenizer_from_json. */
  toJson(): string {
    const config: TokenizerConfig = this;
    return tokenizerJson(config, {
      documentCount: this.#documentCount,
      wordCounts: this.#wordCounts,
      wordDocs: this.#wordDocs,
      indexDocs: this.#indexDocs,
      indexWord: this.#indexWord,
      wordIndex: this.#wordIndex,
    });
  }

  /** A tokenizer from toJson()'s string or from Keras' own Tokenizer.to_json(). */
  static fromJson(json: string): Tokenizer {
    const { config, state } = parseTokenizerJson(json);
    const tokenizer = new Tokenizer(config);
    tokenizer.#documentCount = state.documentCount;
    tokenizer.#wordCounts = new Map(state.wordCounts);
    tokenizer.#wordDocs = new Map(state.wordDocs);
    tokenizer.#indexDocs = new Map(state.indexDocs);
    tokenizer.#indexWord = new Map(state.indexWord);
    tokenizer.#wordIndex = new Map(state.wordIndex);
    return tokenizer;
  }
}
