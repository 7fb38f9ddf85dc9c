// keras_preprocessing.sequence.pad_sequences (dtype int32): every sequence made maxlen long,
// truncated ("pre": drop the start, keep the last maxlen; "post": keep the first maxlen) and then
// padded with `value` ("pre": before, "post": after). An empty sequence is a row of `value`.

import { checkOptionNames, describeValue } from "./check";

export interface PadSequencesOptions {
  /** Row length. Default: the longest sequence's length. */
  readonly maxlen?: number;
  /** Where the padding goes. Default "pre". */
  readonly padding?: "pre" | "post";
  /** Which end of a too-long sequence is dropped. Default "pre" (keep the end). */
  readonly truncating?: "pre" | "post";
  /** The padding value. Default 0. */
  readonly value?: number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const isInt32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;

function prePost(value: unknown, name: string): "pre" | "post" {
  if (value !== "pre" && value !== "post") throw new Error(`padSequences: ${name} must be "pre" or "post", got ${describeValue(value)}`);
  return value;
}

/** The sequences as a row-major Int32Array of sequences.length x maxlen. */
export function padSequences(sequences: readonly ArrayLike<number>[], options: PadSequencesOptions = {}): Int32Array {
  const what = "padSequences";
  if (!Array.isArray(sequences)) throw new Error(`${what}: expected an array of sequences (arrays of integers), got ${describeValue(sequences)}`);
  if (typeof options !== "object" || options === null) throw new Error(`${what}: expected an options object, got ${describeValue(options)}`);
  checkOptionNames(options, ["maxlen", "padding", "truncating", "value"], what);
  const padding = prePost(options.padding ?? "pre", "padding");
  const truncating = prePost(options.truncating ?? "pre", "truncating");
  const value = options.value ?? 0;
  if (!isInt32(value)) throw new Error(`${what}: value must be a 32-bit integer (the result is an Int32Array), got ${describeValue(value)}`);
  sequences.forEach((seq: unknown, i) => {
    if (!Array.isArray(seq) && !(ArrayBuffer.isView(seq) && !(seq instanceof DataView))) throw new Error(`${what}: sequence ${i} is ${describeValue(seq)}; expected an array of integers`);
    const s = seq as ArrayLike<unknown>;
    for (let k = 0; k < s.length; k++) {
      if (!isInt32(s[k])) throw new Error(`${what}: sequence ${i} holds ${describeValue(s[k])} at position ${k}; expected a 32-bit integer`);
    }
  });
  const given: unknown = options.maxlen;
  if (given !== undefined && given !== null && (typeof given !== "number" || !Number.isInteger(given) || given < 0)) throw new Error(`${what}: maxlen must be a non-negative integer, got ${describeValue(given)}`);
  const maxlen = typeof given === "number" ? given : sequences.reduce((longest, s) => Math.max(longest, s.length), 0);

  const out = new Int32Array(sequences.length * maxlen).fill(value);
  sequences.forEach((seq, i) => {
    const length = Math.min(seq.length, maxlen);
    const from = truncating === "pre" ? seq.length - length : 0; // first element kept
    const to = i * maxlen + (padding === "pre" ? maxlen - length : 0); // where it goes
    for (let k = 0; k < length; k++) out[to + k] = seq[from + k]!;
  });
  return out;
}
