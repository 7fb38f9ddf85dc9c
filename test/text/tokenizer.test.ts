// Tokenizer, worked out from keras_preprocessing/text.py (fit_on_texts, texts_to_sequences,
// sequences_to_texts, sequences_to_matrix).

import { describe, expect, it } from "vitest";
import { Tokenizer } from "typegrad/text";

const entries = <K, V>(map: ReadonlyMap<K, V>) => [...map];

describe("Tokenizer: fitting", () => {
  it("orders words by count, descending; ties keep their first appearance", () => {
    const t = new Tokenizer().fitOnTexts(["b a c", "c d a", "e"]);
    // counts: b 1, a 2, c 2, d 1, e 1 -> a, c (first met: a before c), then b, d, e
    expect(entries(t.wordIndex)).toEqual([["a", 1], ["c", 2], ["b", 3], ["d", 4], ["e", 5]]);
    expect(entries(t.indexWord)).toEqual([[1, "a"], [2, "c"], [3, "b"], [4, "d"], [5, "e"]]);
    expect(entries(t.wordCounts)).toEqual([["b", 1], ["a", 2], ["c", 2], ["d", 1], ["e", 1]]);
    expect(entries(t.wordDocs)).toEqual([["b", 1], ["a", 2], ["c", 2], ["d", 1], ["e", 1]]);
    expect(entries(t.indexDocs).sort((x, y) => x[0] - y[0])).toEqual([[1, 2], [2, 2], [3, 1], [4, 1], [5, 1]]);
    expect(t.documentCount).toBe(3);
  });

  it("counts a word once per document in wordDocs", () => {
    const t = new Tokenizer().fitOnTexts(["x x x", "x y"]);
    expect(t.wordCounts.get("x")).toBe(4);
    expect(t.wordDocs.get("x")).toBe(2);
  });

  it("re-numbers the whole vocabulary when fitted again (counts accumulate, first appearance kept)", () => {
    const t = new Tokenizer().fitOnTexts(["a b"]);
    expect(entries(t.wordIndex)).toEqual([["a", 1], ["b", 2]]);
    t.fitOnTexts(["b c"]);
    expect(entries(t.wordIndex)).toEqual([["b", 1], ["a", 2], ["c", 3]]);
    expect(t.documentCount).toBe(2);
    expect(t.indexDocs.get(1)).toBe(2);
  });

  it("keeps words such as 2020, __proto__ and constructor as ordinary keys, in order", () => {
    const t = new Tokenizer({ filters: "" }).fitOnTexts(["zebra 2020 __proto__ constructor 7"]); // "_" is a default filter
    expect([...t.wordIndex.keys()]).toEqual(["zebra", "2020", "__proto__", "constructor", "7"]);
    expect(t.textsToSequences(["constructor __proto__"])).toEqual([[4, 3]]);
  });

  it("fits texts given as arrays of tokens (lower-cased, not filtered)", () => {
    const t = new Tokenizer().fitOnTexts([["Hello", "World", "hello"], ["A.B", "b"]]);
    expect(entries(t.wordIndex)).toEqual([["hello", 1], ["world", 2], ["a.b", 3], ["b", 4]]);
  });

  it("charLevel: every character is a token, filters and split unused", () => {
    const t = new Tokenizer({ charLevel: true }).fitOnTexts(["Abba!", "a b"]);
    expect(entries(t.wordIndex)).toEqual([["a", 1], ["b", 2], ["!", 3], [" ", 4]]);
    expect(t.textsToSequences(["AB?"])).toEqual([[1, 2]]);
    const emoji = new Tokenizer({ charLevel: true, lower: false }).fitOnTexts(["😀a😀"]);
    expect([...emoji.wordIndex.keys()]).toEqual(["😀", "a"]); // code points, not UTF-16 halves
  });

  it("fitOnSequences counts documents per index for tfidf", () => {
    const t = new Tokenizer({ numWords: 4 }).fitOnSequences([[1, 1, 2], [2, 3]]);
    expect(t.documentCount).toBe(2);
    expect(entries(t.indexDocs)).toEqual([[1, 1], [2, 2], [3, 1]]);
    expect(Array.from(t.sequencesToMatrix([[1, 2, 2]], "tfidf"))).toEqual([0, Math.fround(Math.log(1 + 2 / 2)), Math.fround((1 + Math.log(2)) * Math.log(1 + 2 / 3)), 0]);
  });
});

describe("Tokenizer: numWords and the OOV token", () => {
  // counts: c 3, a 2, b 1, d 1
  const texts = ["b a a c c c d"];

  it("keeps only indices below numWords; unknown words are dropped", () => {
    const t = new Tokenizer({ numWords: 3 }).fitOnTexts(texts);
    expect(entries(t.wordIndex)).toEqual([["c", 1], ["a", 2], ["b", 3], ["d", 4]]); // the index itself is complete
    expect(t.textsToSequences(["a b c d e"])).toEqual([[2, 1]]);
    expect(t.sequencesToTexts([[1, 2, 3, 4, 0, 99]])).toEqual(["c a"]);
    expect(Array.from(t.textsToMatrix(["a b c d e"], "count"))).toEqual([0, 1, 1]);
  });

  it("puts the OOV token at index 1 and uses it for unknown and cut-off words", () => {
    const t = new Tokenizer({ numWords: 3, oovToken: "<OOV>" }).fitOnTexts(texts);
    expect(entries(t.wordIndex)).toEqual([["<OOV>", 1], ["c", 2], ["a", 3], ["b", 4], ["d", 5]]);
    expect(t.textsToSequences(["a b c d e"])).toEqual([[1, 1, 2, 1, 1]]);
    expect(t.sequencesToTexts([[1, 2, 3, 4, 5, 0]])).toEqual(["<OOV> c <OOV> <OOV> <OOV> <OOV>"]);
    expect(Array.from(t.textsToMatrix(["a b c d e"], "freq"))).toEqual([0, Math.fround(0.8), Math.fround(0.2)]);
    expect(t.wordDocs.has("<OOV>")).toBe(false); // the OOV token is not a fitted word
  });

  it("an OOV token that is also met as a word: Keras' dict keeps its first place but its later index", () => {
    const t = new Tokenizer({ oovToken: "oov" }).fitOnTexts(["oov oov oov a b", "a c"]);
    expect(entries(t.wordIndex)).toEqual([["oov", 2], ["a", 3], ["b", 4], ["c", 5]]);
    expect(t.indexWord.has(1)).toBe(false);
    expect(t.textsToSequences(["oov z a", "c c"])).toEqual([[2, 2, 3], [5, 5]]);
    // width = 4 words + 1 = 5, so index 5 ("c") falls outside the matrix, as in Keras
    expect(Array.from(t.textsToMatrix(["oov z a", "c c"], "count"))).toEqual([0, 0, 2, 1, 0, 0, 0, 0, 0, 0]);
  });

  it("without numWords the matrix is as wide as the vocabulary + 1", () => {
    const t = new Tokenizer({ oovToken: "?" }).fitOnTexts(texts);
    expect(t.textsToMatrix(["zzz"], "binary")).toEqual(new Float32Array([0, 1, 0, 0, 0, 0]));
  });
});

describe("Tokenizer: bad input", () => {
  const fitted = () => new Tokenizer().fitOnTexts(["a b"]);

  it("refuses a text that is not a string", () => {
    expect(() => new Tokenizer().fitOnTexts(["ok", 3 as unknown as string])).toThrow(/fitOnTexts: text 1 is a number \(3\); expected a string \(or an array of token strings\)/);
    expect(() => fitted().textsToSequences([null as unknown as string])).toThrow(/textsToSequences: text 0 is null/);
    expect(() => fitted().textsToMatrix([{}] as never)).toThrow(/textsToMatrix: text 0 is an object/);
    expect(() => new Tokenizer().fitOnTexts([["a", 1]] as never)).toThrow(/text 0 is an array; expected a string/);
  });

  it("refuses a single string where texts are expected (Keras would fit its characters)", () => {
    expect(() => new Tokenizer().fitOnTexts("a text" as never)).toThrow(/expected an array of texts, got a single string \(wrap it: \[text\]\)/);
    expect(() => new Tokenizer().fitOnTexts(7 as never)).toThrow(/expected an array \(or iterable\) of texts, got a number/);
  });

  it("refuses an unknown mode", () => {
    expect(() => fitted().textsToMatrix(["a"], "tf-idf" as never)).toThrow(/textsToMatrix: unknown mode a string \("tf-idf"\); expected "binary", "count", "tfidf" or "freq"/);
    expect(() => fitted().sequencesToMatrix([[1]], "bag" as never)).toThrow(/sequencesToMatrix: unknown mode/);
  });

  it("refuses numWords below 1 or not an integer, and unknown options", () => {
    expect(() => new Tokenizer({ numWords: 0 })).toThrow(/new Tokenizer: numWords must be an integer of at least 1, got a number \(0\)/);
    expect(() => new Tokenizer({ numWords: -5 })).toThrow(/numWords must be an integer of at least 1/);
    expect(() => new Tokenizer({ numWords: 2.5 })).toThrow(/numWords must be an integer of at least 1/);
    expect(() => new Tokenizer({ num_words: 10 } as never)).toThrow(/new Tokenizer: unknown option "num_words" \(expected one of numWords, filters, lower, split, charLevel, oovToken\)/);
    expect(() => new Tokenizer({ split: "" })).toThrow(/split must be a non-empty string/);
    expect(() => new Tokenizer({ oovToken: 1 } as never)).toThrow(/oovToken must be a string/);
  });

  it("refuses tfidf before fitting, and matrices or sequences without a vocabulary", () => {
    expect(() => new Tokenizer({ numWords: 5 }).sequencesToMatrix([[1, 2]], "tfidf")).toThrow(/mode "tfidf" needs document frequencies; call fitOnTexts/);
    expect(Array.from(new Tokenizer({ numWords: 3 }).sequencesToMatrix([[1, 2, 2]], "count"))).toEqual([0, 1, 2]); // other modes are fine
    expect(() => new Tokenizer().sequencesToMatrix([[1]], "count")).toThrow(/give the Tokenizer numWords, or fit it on some texts first/);
    expect(() => new Tokenizer().textsToSequences(["a"])).toThrow(/textsToSequences: the tokenizer has no vocabulary yet; call fitOnTexts/);
    expect(() => new Tokenizer({ numWords: 9 }).textsToMatrix(["a"], "tfidf")).toThrow(/no vocabulary yet/);
  });

  it("refuses sequences that are not arrays of non-negative integers", () => {
    expect(() => fitted().sequencesToMatrix([[1, -1]], "count")).toThrow(/sequencesToMatrix: sequence 0 holds a number \(-1\) at position 1; expected a non-negative integer word index/);
    expect(() => fitted().sequencesToMatrix([[1.5]], "count")).toThrow(/holds a number \(1.5\)/);
    expect(() => fitted().sequencesToMatrix([3] as never, "count")).toThrow(/sequence 0 is a number \(3\); expected an array of word indices/);
    expect(() => fitted().sequencesToTexts("1 2" as never)).toThrow(/sequencesToTexts: expected an array of sequences/);
    expect(() => fitted().textsToMatrix(["a"], "count", { dense: true } as never)).toThrow(/unknown option "dense"/);
  });
});
