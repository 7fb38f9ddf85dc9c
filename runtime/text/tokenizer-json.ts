// Keras' tokenizer JSON (Tokenizer.to_json / tokenizer_from_json): {"class_name": "Tokenizer",
// "config": {...}} where the five dictionaries are themselves JSON strings. Written as Python writes
// it, so a tokenizer fitted here loads in Keras and one saved by Keras loads here.

import { describeValue } from "./check";
import { parseFlatObject, pythonJsonObject, pythonJsonString, pythonJsonValue, type PythonJsonValue } from "./python-json";

export interface TokenizerConfig {
  readonly numWords: number | undefined;
  readonly filters: string;
  readonly lower: boolean;
  readonly split: string;
  readonly charLevel: boolean;
  readonly oovToken: string | undefined;
}

/** The fitted state, each dictionary in Keras' insertion order. */
export interface TokenizerState {
  readonly documentCount: number;
  readonly wordCounts: ReadonlyMap<string, number>;
  readonly wordDocs: ReadonlyMap<string, number>;
  readonly indexDocs: ReadonlyMap<number, number>;
  readonly indexWord: ReadonlyMap<number, string>;
  readonly wordIndex: ReadonlyMap<string, number>;
}

export function tokenizerJson(config: TokenizerConfig, state: TokenizerState): string {
  const fields: [string, PythonJsonValue][] = [
    ["num_words", config.numWords ?? null],
    ["filters", config.filters],
    ["lower", config.lower],
    ["split", config.split],
    ["char_level", config.charLevel],
    ["oov_token", config.oovToken ?? null],
    ["document_count", state.documentCount],
    ["word_counts", pythonJsonObject(state.wordCounts)],
    ["word_docs", pythonJsonObject(state.wordDocs)],
    ["index_docs", pythonJsonObject(state.indexDocs)],
    ["index_word", pythonJsonObject(state.indexWord)],
    ["word_index", pythonJsonObject(state.wordIndex)],
  ];
  const body = fields.map(([key, value]) => `${pythonJsonString(key)}: ${pythonJsonValue(value)}`).join(", ");
  return `{"class_name": "Tokenizer", "config": {${body}}}`;
}

const WHAT = "Tokenizer.fromJson";

function field<T>(config: Record<string, unknown>, key: string, ok: (v: unknown) => v is T, expected: string): T {
  const value = config[key];
  if (!ok(value)) throw new Error(`${WHAT}: config.${key} must be ${expected}, got ${describeValue(value)}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isOptionalString = (v: unknown): v is string | null | undefined => v === null || v === undefined || typeof v === "string";
const isOptionalCount = (v: unknown): v is number | null | undefined => v === null || v === undefined || (isCount(v) && v >= 1);

function dictionary<K, V>(config: Record<string, unknown>, key: string, toKey: (k: string) => K, isValue: (v: unknown) => v is V, expected: string): Map<K, V> {
  const text = field(config, key, isString, "a JSON string of a dictionary");
  const map = new Map<K, V>();
  for (const [k, v] of parseFlatObject(text, `${WHAT}: config.${key}`)) {
    if (!isValue(v)) throw new Error(`${WHAT}: config.${key}[${JSON.stringify(k)}] must be ${expected}, got ${describeValue(v)}`);
    map.set(toKey(k), v);
  }
  return map;
}

function indexKey(key: string): number {
  const n = Number(key);
  if (!/^\d+$/.test(key) || !Number.isSafeInteger(n)) throw new Error(`${WHAT}: expected an integer word index as key, got ${JSON.stringify(key)}`);
  return n;
}

/** Reads Keras' tokenizer JSON (ours or Keras' own). */
export function parseTokenizerJson(json: string): { config: TokenizerConfig; state: TokenizerState } {
  if (typeof json !== "string") throw new Error(`${WHAT}: expected the JSON string toJson() wrote, got ${describeValue(json)}`);
  let top: unknown;
  try {
    top = JSON.parse(json);
  } catch (e) {
    throw new Error(`${WHAT}: not JSON (${(e as Error).message})`);
  }
  const config = (top as { config?: unknown } | null)?.config;
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new Error(`${WHAT}: expected {"class_name": "Tokenizer", "config": {...}}, found no config object`);
  const c = config as Record<string, unknown>;
  const numWords = field(c, "num_words", isOptionalCount, "null or an integer of at least 1");
  const oovToken = field(c, "oov_token", isOptionalString, "null or a string");
  const identity = (k: string) => k;
  return {
    config: {
      numWords: numWords ?? undefined,
      filters: field(c, "filters", isString, "a string"),
      lower: field(c, "lower", isBoolean, "true or false"),
      split: field(c, "split", isString, "a string"),
      charLevel: field(c, "char_level", isBoolean, "true or false"),
      oovToken: oovToken ?? undefined,
    },
    state: {
      documentCount: field(c, "document_count", isCount, "a non-negative integer"),
      wordCounts: dictionary(c, "word_counts", identity, isCount, "a count"),
      wordDocs: dictionary(c, "word_docs", identity, isCount, "a count"),
      indexDocs: dictionary(c, "index_docs", indexKey, isCount, "a count"),
      indexWord: dictionary(c, "index_word", indexKey, isString, "a word"),
      wordIndex: dictionary(c, "word_index", identity, isCount, "a word index"),
    },
  };
}
