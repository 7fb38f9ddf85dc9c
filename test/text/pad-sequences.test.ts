// padSequences against values worked out from keras_preprocessing/sequence.py pad_sequences:
// x = full((n, maxlen), value); trunc = s[-maxlen:] ("pre") or s[:maxlen] ("post");
// x[i, -len(trunc):] = trunc ("pre") or x[i, :len(trunc)] = trunc ("post").

import { describe, expect, it } from "vitest";
import { padSequences } from "typegrad/text";

const seqs = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]];
const rows = (flat: Int32Array, width: number) => Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));

describe("padSequences", () => {
  it("defaults: maxlen = the longest, padding and truncating 'pre', value 0; an Int32Array", () => {
    const x = padSequences(seqs);
    expect(x).toBeInstanceOf(Int32Array);
    expect(rows(x, 5)).toEqual([[0, 0, 1, 2, 3], [0, 0, 0, 4, 5], [0, 0, 0, 0, 0], [6, 7, 8, 9, 10]]);
  });

  it("maxlen 3: truncating 'pre' keeps the end", () => {
    expect(rows(padSequences(seqs, { maxlen: 3 }), 3)).toEqual([[1, 2, 3], [0, 4, 5], [0, 0, 0], [8, 9, 10]]);
  });

  it("truncating 'post' keeps the start", () => {
    expect(rows(padSequences(seqs, { maxlen: 4, truncating: "post" }), 4)).toEqual([[0, 1, 2, 3], [0, 0, 4, 5], [0, 0, 0, 0], [6, 7, 8, 9]]);
  });

  it("padding 'post' puts the padding after", () => {
    expect(rows(padSequences(seqs, { maxlen: 4, padding: "post" }), 4)).toEqual([[1, 2, 3, 0], [4, 5, 0, 0], [0, 0, 0, 0], [7, 8, 9, 10]]);
  });

  it("both 'post', with a padding value", () => {
    expect(rows(padSequences(seqs, { maxlen: 3, padding: "post", truncating: "post", value: -1 }), 3)).toEqual([[1, 2, 3], [4, 5, -1], [-1, -1, -1], [6, 7, 8]]);
  });

  it("value fills empty sequences; maxlen longer than all; maxlen 1", () => {
    expect(rows(padSequences([[], [7]], { maxlen: 3, value: 9 }), 3)).toEqual([[9, 9, 9], [9, 9, 7]]);
    expect(rows(padSequences(seqs, { maxlen: 1 }), 1)).toEqual([[3], [5], [0], [10]]);
    expect(rows(padSequences(seqs, { maxlen: 1, truncating: "post" }), 1)).toEqual([[1], [4], [0], [6]]);
  });

  it("maxlen 0 gives empty rows; no sequences give an empty array", () => {
    expect(padSequences(seqs, { maxlen: 0 })).toEqual(new Int32Array(0));
    expect(padSequences([])).toEqual(new Int32Array(0));
  });

  it("takes typed arrays and the sequences a Tokenizer gives", () => {
    expect(Array.from(padSequences([Int32Array.of(4, 5)], { maxlen: 3 }))).toEqual([0, 4, 5]);
  });

  it("refuses bad input with the expected form", () => {
    expect(() => padSequences(seqs, { padding: "left" as never })).toThrow(/padSequences: padding must be "pre" or "post", got a string \("left"\)/);
    expect(() => padSequences(seqs, { truncating: "end" as never })).toThrow(/truncating must be "pre" or "post"/);
    expect(() => padSequences(seqs, { maxlen: -1 })).toThrow(/maxlen must be a non-negative integer, got a number \(-1\)/);
    expect(() => padSequences(seqs, { maxlen: 2.5 })).toThrow(/maxlen must be a non-negative integer/);
    expect(() => padSequences(seqs, { value: 0.5 })).toThrow(/value must be a 32-bit integer/);
    expect(() => padSequences([[1, 2.5]])).toThrow(/sequence 0 holds a number \(2.5\) at position 1; expected a 32-bit integer/);
    expect(() => padSequences([[1], "ab"] as never)).toThrow(/sequence 1 is a string \("ab"\); expected an array of integers/);
    expect(() => padSequences("abc" as never)).toThrow(/expected an array of sequences/);
    expect(() => padSequences(seqs, { maxLen: 3 } as never)).toThrow(/unknown option "maxLen"/);
  });
});
