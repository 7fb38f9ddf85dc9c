// keras_preprocessing.text.text_to_word_sequence: lower-case (Python's str.lower, which like
// String.prototype.toLowerCase is locale-free and knows the final sigma), replace every filter
// character by `split` (str.maketrans over code points), split on `split`, drop empty pieces.

import { checkOptionNames, describeValue } from "./check";

/** Keras' default filters: punctuation, tab and newline, but not the apostrophe. */
export const DEFAULT_FILTERS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

export interface TextToWordSequenceOptions {
  /** Characters replaced by `split` before splitting (each code point is one filter). */
  readonly filters?: string;
  /** Lower-case the text first. Default true. */
  readonly lower?: boolean;
  /** The separator. Default " ". Other whitespace (\r, no-break space...) is NOT a separator. */
  readonly split?: string;
}

const patterns = new Map<string, RegExp | null>();

/** A global, code-point-aware character class of the filters (cached per filters string). */
function filterPattern(filters: string): RegExp | null {
  let pattern = patterns.get(filters);
  if (pattern === undefined) {
    const codes = [...new Set(filters)].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
    pattern = codes.length === 0 ? null : new RegExp(`[${codes.join("")}]`, "gu");
    if (patterns.size > 64) patterns.clear();
    patterns.set(filters, pattern);
  }
  return pattern;
}

export function checkWordOptions(filters: unknown, lower: unknown, split: unknown, what: string): void {
  if (typeof filters !== "string") throw new Error(`${what}: filters must be a string of characters to remove, got ${describeValue(filters)}`);
  if (typeof lower !== "boolean") throw new Error(`${what}: lower must be true or false, got ${describeValue(lower)}`);
  if (typeof split !== "string" || split === "") throw new Error(`${what}: split must be a non-empty string (Python's str.split refuses an empty separator), got ${describeValue(split)}`);
}

/** Splits one text; options already checked. */
export function wordSequence(text: string, filters: string, lower: boolean, split: string): string[] {
  if (lower) text = text.toLowerCase();
  const pattern = filterPattern(filters);
  if (pattern !== null) text = text.replace(pattern, () => split); // a function: "$&" in split stays literal
  return text.split(split).filter((word) => word !== "");
}

/** Converts a text to its words, exactly as keras_preprocessing.text.text_to_word_sequence. */
export function textToWordSequence(text: string, options: TextToWordSequenceOptions = {}): string[] {
  const what = "textToWordSequence";
  if (typeof text !== "string") throw new Error(`${what}: expected a string, got ${describeValue(text)}`);
  checkOptionNames(options, ["filters", "lower", "split"], what);
  const { filters = DEFAULT_FILTERS, lower = true, split = " " } = options;
  checkWordOptions(filters, lower, split, what);
  return wordSequence(text, filters, lower, split);
}
