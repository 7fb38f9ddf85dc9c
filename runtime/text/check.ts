// Argument checks shared by the text utilities: each names what was expected and what came instead.

/** A text: a string, or (as Keras allows) an array of ready-made tokens. */
export type Text = string | readonly string[];

/** "a number (3)", "null", "an array", "a string"... for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `a string (${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)})`;
  if (typeof value === "number") return `a number (${value})`;
  if (Array.isArray(value)) return "an array";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

/** The texts as an array, each a string or an array of token strings. */
export function checkTexts(texts: unknown, what: string): Text[] {
  if (typeof texts === "string") throw new Error(`${what}: expected an array of texts, got a single string (wrap it: [text]); Keras would silently treat each character as a text`);
  if (!isIterable(texts)) throw new Error(`${what}: expected an array (or iterable) of texts, got ${describeValue(texts)}`);
  const out: Text[] = [];
  let i = 0;
  for (const text of texts) {
    if (typeof text === "string") out.push(text);
    else if (Array.isArray(text) && text.every((token) => typeof token === "string")) out.push(text as readonly string[]);
    else throw new Error(`${what}: text ${i} is ${describeValue(text)}; expected a string (or an array of token strings)`);
    i++;
  }
  return out;
}

/** Sequences of non-negative integer word indices (number arrays or typed arrays). */
export function checkSequences(sequences: unknown, what: string): ArrayLike<number>[] {
  if (!Array.isArray(sequences)) throw new Error(`${what}: expected an array of sequences (arrays of word indices), got ${describeValue(sequences)}`);
  return sequences.map((seq: unknown, i) => {
    if (!Array.isArray(seq) && !(ArrayBuffer.isView(seq) && !(seq instanceof DataView))) {
      throw new Error(`${what}: sequence ${i} is ${describeValue(seq)}; expected an array of word indices`);
    }
    const s = seq as ArrayLike<unknown>;
    for (let k = 0; k < s.length; k++) {
      const v = s[k];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
        throw new Error(`${what}: sequence ${i} holds ${describeValue(v)} at position ${k}; expected a non-negative integer word index`);
      }
    }
    return s as ArrayLike<number>;
  });
}

/** An optional positive integer (numWords, numClasses). */
export function checkCount(value: unknown, name: string, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new Error(`${what}: ${name} must be an integer of at least 1, got ${describeValue(value)}`);
  return value;
}

export function checkOptionNames(options: object, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new Error(`${what}: unknown option ${JSON.stringify(key)} (expected one of ${allowed.join(", ")})`);
  }
}
