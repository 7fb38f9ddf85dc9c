// sequences_to_matrix's modes, worked out from keras_preprocessing/text.py, and the sparse form.

import { describe, expect, it } from "vitest";
import { Tokenizer, type CsrMatrix, type MatrixMode } from "typegrad/text";
import type { CsrData } from "../../runtime/data";

const MODES: MatrixMode[] = ["binary", "count", "tfidf", "freq"];

function densify({ indptr, indices, values }: CsrMatrix, width: number): Float32Array {
  const out = new Float32Array((indptr.length - 1) * width);
  for (let r = 0; r + 1 < indptr.length; r++) for (let p = indptr[r]!; p < indptr[r + 1]!; p++) out[r * width + indices[p]!] = values[p]!;
  return out;
}

describe("sequencesToMatrix", () => {
  const t = new Tokenizer({ numWords: 4 }).fitOnTexts(["a a b", "b c", "c d e"]);

  it("skips indices at or past the width, but freq still divides by the whole length (as Keras)", () => {
    expect(Array.from(t.sequencesToMatrix([[1, 1, 2, 9, 9, 9]], "count"))).toEqual([0, 2, 1, 0]);
    expect(Array.from(t.sequencesToMatrix([[1, 1, 2, 9, 9, 9]], "freq"))).toEqual([0, Math.fround(2 / 6), Math.fround(1 / 6), 0]);
  });

  it("writes column 0 when a sequence holds index 0 (texts never do: column 0 stays 0 for texts)", () => {
    expect(Array.from(t.sequencesToMatrix([[0, 0, 3]], "count"))).toEqual([2, 0, 0, 1]);
    for (const mode of MODES) {
      const m = t.textsToMatrix(["a b c d e zzz", "", "a"], mode);
      for (let r = 0; r < 3; r++) expect(m[r * 4]).toBe(0);
    }
  });

  it("gives an empty text or sequence a row of zeros in every mode", () => {
    for (const mode of MODES) expect(Array.from(t.sequencesToMatrix([[]], mode))).toEqual([0, 0, 0, 0]);
  });

  it("tfidf is (1 + ln count) * ln(1 + documents / (1 + documents with the word))", () => {
    // counts a 2, b 2, c 2, d 1, e 1 -> a 1 (in 1 document), b 2 (in 2), c 3 (in 2); 3 documents
    const row = Array.from(t.textsToMatrix(["a a a b"], "tfidf"));
    expect(row).toEqual([0, Math.fround((1 + Math.log(3)) * Math.log(1 + 3 / 2)), Math.fround(Math.log(1 + 3 / 3)), 0]);
  });
});

describe("sparse matrices", () => {
  const texts = ["the cat sat on the mat", "the dog", "", "a cat and a dog and a bird", "unknown words only"];
  const t = new Tokenizer({ numWords: 7, oovToken: "<unk>" }).fitOnTexts(texts.slice(0, 4));

  for (const mode of MODES) {
    it(`${mode}: CSR rows equal the dense matrix, columns ascending within a row`, () => {
      const dense = t.textsToMatrix(texts, mode);
      const sparse = t.textsToMatrix(texts, mode, { sparse: true });
      expect(sparse.indptr).toBeInstanceOf(Int32Array);
      expect(sparse.indices).toBeInstanceOf(Int32Array);
      expect(sparse.values).toBeInstanceOf(Float32Array);
      expect(sparse.indptr.length).toBe(texts.length + 1);
      expect(densify(sparse, 7)).toEqual(dense);
      expect(sparse.values.every((v) => v !== 0)).toBe(true);
      for (let r = 0; r < texts.length; r++) {
        const row = Array.from(sparse.indices.subarray(sparse.indptr[r]!, sparse.indptr[r + 1]!));
        expect(row).toEqual([...row].sort((a, b) => a - b));
      }
      const seqs = t.textsToSequences(texts);
      expect(densify(t.sequencesToMatrix(seqs, mode, { sparse: true }), 7)).toEqual(t.sequencesToMatrix(seqs, mode));
    });
  }

  it("is what a sparse input takes (runtime's CsrData)", () => {
    const csr: CsrData = t.textsToMatrix(texts, "binary", { sparse: true });
    expect(csr.indptr[csr.indptr.length - 1]).toBe(csr.indices.length);
  });

  it("handles a 10,000-word vocabulary without a dense matrix", () => {
    const words = Array.from({ length: 12000 }, (_, i) => `w${i}`);
    const big = new Tokenizer({ numWords: 10000 }).fitOnTexts([words.join(" ")]);
    const csr = big.textsToMatrix([words.slice(0, 50).join(" "), words.slice(11000).join(" ")], "count", { sparse: true });
    expect(Array.from(csr.indptr)).toEqual([0, 50, 0 + 50]);
    expect(Array.from(csr.indices.subarray(0, 3))).toEqual([1, 2, 3]);
  });
});
