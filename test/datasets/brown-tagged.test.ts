// brownTagged() against what is known of the Brown corpus: NLTK's counts for it (57,340 sentences,
// 1,161,192 tagged tokens; nltk.corpus.brown reads these same files) and the first sentence of ca01,
// "The/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr ...".

import { beforeAll, describe, expect, it } from "vitest";
import { brownTagged, type Split, type TaggedSentence } from "typegrad/datasets";

let full: Split<TaggedSentence>;
let all: TaggedSentence[];

beforeAll(async () => {
  full = await brownTagged(); // read once: the whole corpus takes seconds
  all = [...full.train, ...full.test];
});

describe("brownTagged", () => {
  it("holds 57,340 sentences of 1,161,192 tagged words, 472 tags; ca01 opens the corpus", () => {
    expect(full.test).toHaveLength(11468); // round(57340 · 0.2)
    expect(all).toHaveLength(57340);
    expect(all.reduce((sum, sentence) => sum + sentence.length, 0)).toBe(1161192);
    expect(new Set(all.flatMap((sentence) => sentence.map(([, tag]) => tag))).size).toBe(472);
    const first = all.find((sentence) => sentence[0]![0] === "The" && sentence[1]![0] === "Fulton")!;
    expect(first.slice(0, 7)).toEqual([["The", "at"], ["Fulton", "np-tl"], ["County", "nn-tl"], ["Grand", "jj-tl"], ["Jury", "nn-tl"], ["said", "vbd"], ["Friday", "nr"]]);
    expect(first.at(-1)).toEqual([".", "."]);
    expect(first).toHaveLength(25);
  });

  it("splits a word/tag at the last slash: 1-1/2/cd is the number 1-1/2", () => {
    const fractions = all.flat().filter(([word]) => word.includes("/"));
    expect(fractions).toContainEqual(["1-1/2", "cd"]);
    expect(fractions.every(([, tag]) => !tag.includes("/"))).toBe(true);
  });

  it("a limited slice parses only its sentences, from the full split", async () => {
    const slice = await brownTagged({ limit: 300 });
    expect(slice.train).toHaveLength(240);
    expect(slice.test).toHaveLength(60);
    expect(slice.train).toEqual(full.train.slice(0, 240));
    expect(slice.test).toEqual(full.test.slice(0, 60));
  });
});
