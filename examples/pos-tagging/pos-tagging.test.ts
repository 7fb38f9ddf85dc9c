import { brownTagged } from "typegrad/datasets";
import { describe, expect, it } from "vitest";
import { main } from "./main";
import { coarseTag } from "./tagset";

describe("pos-tagging", () => {
  // Classes read off the Brown manual's tag descriptions: "at" article, "nn-tl" a noun in a title,
  // "ppss+md" I'll / we'd, "fw-in" a foreign preposition, "bez*" isn't, "*" not, "pp$" my, "pp$$" mine.
  it("maps Brown's tags, with their context marks, to the coarse classes", () => {
    const cases: Record<string, string> = { at: "DET", "nn-tl": "NOUN", "np$": "NOUN", "nns-tl-hl": "NOUN", "ppss+md": "PRON", "fw-in": "X", "bez*": "VERB", "*": "ADV", "pp$": "DET", "pp$$": "PRON", "vbd-hl": "VERB", cs: "CONJ", "--": ".", od: "ADJ", to: "PRT", cd: "NUM", in: "ADP" };
    for (const [brown, coarse] of Object.entries(cases)) expect(coarseTag(brown), brown).toBe(coarse);
    expect(() => coarseTag("zz")).toThrow(/unknown Brown tag "zz"/);
  });

  // A slice of 3,000 sentences (2,400 to train on, a tenth of them for validation; 600 held out),
  // 3 epochs of the example's settings.
  it("tags held-out words far better than the majority tag, and better than the unigram tagger; evaluate's masked accuracy counts the same words", async () => {
    const limit = 3000;
    const lines: string[] = [];
    const { model, majority, unigram, reportedAccuracy } = await main((line) => lines.push(line), { limit, epochs: 3, verbose: 0 });
    const accuracy = model.correct / model.words;

    // Every held-out word is scored once, however its sentence was cut into rows; none of the padding.
    const { test } = await brownTagged({ limit });
    expect(model.words).toBe(test.reduce((sum, sentence) => sum + sentence.length, 0));
    expect(majority.words).toBe(model.words);
    expect(lines.some((line) => line.includes("Bidirectional LSTM tagger") && line.includes(`${(100 * accuracy).toFixed(2)} %`))).toBe(true);

    // The library's metric skips padded steps: its mean over the held-out rows is the share of words
    // counted right here by argmax over the predictions at the words' own positions.
    expect(reportedAccuracy).toBeCloseTo(accuracy, 9);

    // Nouns are about a quarter of the words; looking each word up in the training counts gets about
    // nine in ten right. A tagger that does not learn the words reaches neither; passing the lookup
    // takes the context around each word, which only the bidirectional layer sees.
    expect(majority.correct / majority.words).toBeLessThan(0.3);
    expect(accuracy).toBeGreaterThan(majority.correct / majority.words + 0.5);
    expect(accuracy).toBeGreaterThan(unigram.correct / unigram.words);
  }, 120_000);
});
