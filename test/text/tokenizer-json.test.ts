// toJson / fromJson: Keras' tokenizer JSON (Tokenizer.to_json, tokenizer_from_json).

import { describe, expect, it } from "vitest";
import { Tokenizer, type MatrixMode } from "typegrad/text";

const texts = ["The cat sat on the mat.", "Le chat: l'été, 2020 et 7!", "東京 😀 \"quoted\" back\\slash", "", "__proto__ constructor 2020"];

describe("Tokenizer JSON", () => {
  it("round-trips options, state and results", () => {
    const t = new Tokenizer({ numWords: 9, oovToken: "<OOV>", filters: '!"#.,:', lower: false, split: " " }).fitOnTexts(texts);
    const back = Tokenizer.fromJson(t.toJson());
    for (const key of ["numWords", "filters", "lower", "split", "charLevel", "oovToken", "documentCount"] as const) expect(back[key], key).toEqual(t[key]);
    for (const key of ["wordIndex", "indexWord", "wordCounts", "wordDocs", "indexDocs"] as const) expect([...back[key]], key).toEqual([...t[key]]);
    expect(back.textsToSequences(texts)).toEqual(t.textsToSequences(texts));
    for (const mode of ["binary", "count", "tfidf", "freq"] as MatrixMode[]) expect(back.textsToMatrix(texts, mode)).toEqual(t.textsToMatrix(texts, mode));
    expect(back.toJson()).toBe(t.toJson());
    // fitting can go on after loading
    back.fitOnTexts(["new words"]);
    expect(back.wordIndex.has("words")).toBe(true);
  });

  it("writes exactly what Keras' to_json writes (json.dumps: ASCII escapes, \", \" and \": \")", () => {
    const t = new Tokenizer({ charLevel: true }).fitOnTexts(["é\"a", "a"]);
    expect(t.toJson()).toBe(
      '{"class_name": "Tokenizer", "config": {"num_words": null, "filters": "!\\"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n", "lower": true, "split": " ", ' +
        '"char_level": true, "oov_token": null, "document_count": 2, ' +
        '"word_counts": "{\\"\\\\u00e9\\": 1, \\"\\\\\\"\\": 1, \\"a\\": 2}", ' +
        '"word_docs": "{\\"\\\\u00e9\\": 1, \\"\\\\\\"\\": 1, \\"a\\": 2}", ' +
        '"index_docs": "{\\"2\\": 1, \\"3\\": 1, \\"1\\": 2}", ' +
        '"index_word": "{\\"1\\": \\"a\\", \\"2\\": \\"\\\\u00e9\\", \\"3\\": \\"\\\\\\"\\"}", ' +
        '"word_index": "{\\"a\\": 1, \\"\\\\u00e9\\": 2, \\"\\\\\\"\\": 3}"}}',
    );
  });

  it("reads a tokenizer saved by Keras, keeping the order of integer-like words", () => {
    // keras_preprocessing 1.1.0: t = Tokenizer(num_words=3); t.fit_on_texts(["b 10 10 2", "2"]); t.to_json()
    const keras =
      '{"class_name": "Tokenizer", "config": {"num_words": 3, "filters": "!\\"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n", "lower": true, "split": " ", "char_level": false, "oov_token": null, "document_count": 2, ' +
      '"word_counts": "{\\"b\\": 1, \\"10\\": 2, \\"2\\": 2}", "word_docs": "{\\"b\\": 1, \\"2\\": 2, \\"10\\": 1}", "index_docs": "{\\"3\\": 1, \\"2\\": 2, \\"1\\": 1}", ' +
      '"index_word": "{\\"1\\": \\"10\\", \\"2\\": \\"2\\", \\"3\\": \\"b\\"}", "word_index": "{\\"10\\": 1, \\"2\\": 2, \\"b\\": 3}"}}';
    const t = Tokenizer.fromJson(keras);
    expect(t.numWords).toBe(3);
    expect([...t.wordIndex]).toEqual([["10", 1], ["2", 2], ["b", 3]]);
    expect([...t.wordCounts.keys()]).toEqual(["b", "10", "2"]);
    expect(t.textsToSequences(["2 10 b"])).toEqual([[2, 1]]);
    expect(Array.from(t.textsToMatrix(["10 10"], "tfidf"))).toEqual([0, Math.fround((1 + Math.log(2)) * Math.log(1 + 2 / 2)), 0]);
  });

  it("refuses what is not a tokenizer's JSON, naming the field", () => {
    expect(() => Tokenizer.fromJson("{")).toThrow(/Tokenizer.fromJson: not JSON/);
    expect(() => Tokenizer.fromJson("{}")).toThrow(/found no config object/);
    const good = JSON.parse(new Tokenizer().fitOnTexts(["a"]).toJson()) as { config: Record<string, unknown> };
    expect(() => Tokenizer.fromJson(JSON.stringify({ config: { ...good.config, num_words: 0 } }))).toThrow(/config.num_words must be null or an integer of at least 1/);
    expect(() => Tokenizer.fromJson(JSON.stringify({ config: { ...good.config, word_index: "[1]" } }))).toThrow(/config.word_index: not a flat JSON object/);
    expect(() => Tokenizer.fromJson(JSON.stringify({ config: { ...good.config, index_word: '{"x": "a"}' } }))).toThrow(/expected an integer word index as key, got "x"/);
    expect(() => Tokenizer.fromJson(42 as never)).toThrow(/expected the JSON string toJson\(\) wrote/);
  });
});
