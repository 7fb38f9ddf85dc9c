// The texts cases' corpus and typegrad's side of them (bench/cases.ts' TextsCase). The corpus is the
// Spam Assassin mails (headers included) in spamAssassin()'s seeded order: its 6,046 mails, then
// from the first again, to the case's count. keras_preprocessing gets the same strings through a file
// (bench/peers/keras-preprocessing.ts).

import { createHash } from "node:crypto";
import { spamAssassin } from "typegrad/datasets";
import { Tokenizer } from "typegrad/text";
import type { TextsCase } from "./cases";

export async function benchTexts(count: number): Promise<string[]> {
  const { train } = await spamAssassin({ testFraction: 0 });
  return Array.from({ length: count }, (_, i) => train[i % train.length]!.text);
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);

/**
 * What fitOnTexts learned, as keras_preprocessing_bench.py writes it: the document count, then a
 * line per word in index order, "word TAB count TAB documents", hashed as UTF-16 (lone surrogates too).
 */
export function fitChecksum(tokenizer: Tokenizer): string {
  const lines = [`${tokenizer.documentCount}\n`];
  for (const word of tokenizer.wordIndex.keys()) lines.push(`${word}\t${tokenizer.wordCounts.get(word)}\t${tokenizer.wordDocs.get(word)}\n`);
  return sha256(Buffer.from(lines.join(""), "utf16le"));
}

/** The matrix's float32 values, row-major, little-endian, hashed (numpy's float64 matrix cast to float32 on the Python side). */
export const matrixChecksum = (matrix: Float32Array): string => sha256(new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength));

/** One step is one call over all the texts; `checksum` hashes the last call's result. */
export async function typegradTextsRunner(c: TextsCase): Promise<{ run: (steps: number) => void; checksum: () => string }> {
  const texts = await benchTexts(c.batch);
  const tokenizer = () => new Tokenizer({ numWords: c.numWords });
  if (c.operation === "fitOnTexts") {
    let last = tokenizer();
    return {
      run: (steps) => {
        for (let i = 0; i < steps; i++) last = tokenizer().fitOnTexts(texts);
      },
      checksum: () => fitChecksum(last),
    };
  }
  const mode = c.operation;
  const fitted = tokenizer().fitOnTexts(texts);
  let last: Float32Array = new Float32Array(0);
  return {
    run: (steps) => {
      for (let i = 0; i < steps; i++) last = fitted.textsToMatrix(texts, mode);
    },
    checksum: () => matrixChecksum(last),
  };
}
