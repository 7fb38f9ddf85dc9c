// imdbReviews() against the package's own account (its README and its tests): 50,000 reviews,
// 25,000 of each sentiment, and the first review of its file.

import { beforeAll, describe, expect, it } from "vitest";
import { imdbReviews, type Review } from "typegrad/datasets";

let train: Review[];
let test: Review[];

beforeAll(async () => {
  ({ train, test } = await imdbReviews());
});

const positives = (reviews: readonly Review[]) => reviews.filter((review) => review.label === 1).length;

describe("imdbReviews", () => {
  it("holds 50,000 reviews, 25,000 positive and 25,000 negative, split 25,000 / 25,000 by default", () => {
    expect(train).toHaveLength(25000);
    expect(test).toHaveLength(25000);
    expect(positives(train) + positives(test)).toBe(25000);
  });

  it("shuffles before the cut (the file holds the negative reviews first): each side is about half positive", () => {
    for (const side of [train, test]) expect(Math.abs(positives(side) / side.length - 0.5)).toBeLessThan(0.02);
    expect(positives(train.slice(0, 1000))).toBeGreaterThan(400);
  });

  it("the package README's first review is there, negative", () => {
    const first = [...train, ...test].find((review) => review.text.startsWith("Once again Mr. Costner has dragged out a movie for far longer than necessary."));
    expect(first?.label).toBe(0);
    expect(first?.text.endsWith("No magic here, it was all I could do to keep from turning it off an hour in.")).toBe(true);
  });

  it("a limited slice is a part of the full split", async () => {
    const slice = await imdbReviews({ limit: 2000 });
    expect(slice.train).toEqual(train.slice(0, 1000));
    expect(slice.test).toEqual(test.slice(0, 1000));
  });
});
