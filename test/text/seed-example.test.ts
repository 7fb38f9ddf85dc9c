// SEED-NOTES.md, "texts_to_matrix (Keras Tokenizer)": the chapter's Korean example, exactly.

import { describe, expect, it } from "vitest";
import { Tokenizer } from "typegrad/text";

const texts = ["먹고 싶은 사과", "먹고 싶은 바나나", "길고 노란 바나나 바나나", "저는 과일이 좋아요"];

function rows(matrix: Float32Array, width: number): number[][] {
  return Array.from({ length: matrix.length / width }, (_, r) => Array.from(matrix.subarray(r * width, (r + 1) * width)));
}

const round2 = (rowsOf: number[][]) => rowsOf.map((row) => row.map((v) => Math.round(v * 100) / 100));

describe("the seed's texts_to_matrix example", () => {
  const tokenizer = new Tokenizer();
  tokenizer.fitOnTexts(texts);

  it("gives the seed's word_index: 바나나 (3 times) first, then ties in order of first appearance", () => {
    expect(Object.fromEntries(tokenizer.wordIndex)).toEqual({ 바나나: 1, 먹고: 2, 싶은: 3, 사과: 4, 길고: 5, 노란: 6, 저는: 7, 과일이: 8, 좋아요: 9 });
    expect([...tokenizer.wordIndex.keys()]).toEqual(["바나나", "먹고", "싶은", "사과", "길고", "노란", "저는", "과일이", "좋아요"]);
    expect(tokenizer.documentCount).toBe(4);
    expect(tokenizer.wordDocs.get("바나나")).toBe(2);
    expect(tokenizer.wordCounts.get("바나나")).toBe(3);
  });

  const count = [
    [0, 0, 1, 1, 1, 0, 0, 0, 0, 0],
    [0, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    [0, 2, 0, 0, 0, 1, 1, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
  ];

  it("count: 4 x 10, column 0 always 0", () => {
    const m = tokenizer.textsToMatrix(texts, "count");
    expect(m).toBeInstanceOf(Float32Array);
    expect(m.length).toBe(40);
    expect(rows(m, 10)).toEqual(count);
  });

  it("binary: as count with 2 -> 1 (and binary is the default mode)", () => {
    const binary = count.map((row) => row.map((v) => Math.min(v, 1)));
    expect(rows(tokenizer.textsToMatrix(texts, "binary"), 10)).toEqual(binary);
    expect(rows(tokenizer.textsToMatrix(texts), 10)).toEqual(binary);
  });

  it("freq: count divided by the text's length", () => {
    const freq = rows(tokenizer.textsToMatrix(texts, "freq"), 10);
    expect(round2(freq)[0]).toEqual([0, 0, 0.33, 0.33, 0.33, 0, 0, 0, 0, 0]);
    expect(freq[2]).toEqual([0, 0.5, 0, 0, 0, 0.25, 0.25, 0, 0, 0]);
    expect(freq).toEqual(count.map((row) => row.map((v) => Math.fround(v / row.reduce((a, b) => a + b)))));
  });

  it("tfidf: the seed's numbers to 2 decimals, and exactly (1 + ln count) * ln(1 + docs / (1 + docs_with_word))", () => {
    const tfidf = rows(tokenizer.textsToMatrix(texts, "tfidf"), 10);
    expect(round2(tfidf)[0]).toEqual([0, 0, 0.85, 0.85, 1.1, 0, 0, 0, 0, 0]);
    expect(round2(tfidf)[2]).toEqual([0, 1.43, 0, 0, 0, 1.1, 1.1, 0, 0, 0]);
    expect(round2(tfidf)[3]).toEqual([0, 0, 0, 0, 0, 0, 0, 1.1, 1.1, 1.1]);
    const docsWith = [0, 2, 2, 2, 1, 1, 1, 1, 1, 1];
    const exact = count.map((row) => row.map((c, j) => (c === 0 ? 0 : Math.fround((1 + Math.log(c)) * Math.log(1 + 4 / (1 + docsWith[j]!))))));
    expect(tfidf).toEqual(exact);
    expect(tfidf[2]![1]).toBeCloseTo((1 + Math.LN2) * Math.log(7 / 3), 6);
  });

  it("sequences", () => {
    expect(tokenizer.textsToSequences(texts)).toEqual([[2, 3, 4], [2, 3, 1], [5, 6, 1, 1], [7, 8, 9]]);
    expect(tokenizer.sequencesToTexts([[2, 3, 4]])).toEqual(["먹고 싶은 사과"]);
  });
});
