// A coarse tagset for the Brown corpus: twelve classes after Petrov, Das and McDonald's universal
// part-of-speech tags (arXiv:1104.2086), mapped here from the Brown tag descriptions (Francis and
// Kučera's manual). Brown's 446 written tags mark context as well as part of speech: "-tl" (a word in
// a title), "-hl" (in a headline), "-nc" (cited), "fw-" (a foreign word), "+" (a contraction such as
// "I'll", ppss+md); the classes below keep the part of speech only.

export const TAGSET = [".", "ADJ", "ADP", "ADV", "CONJ", "DET", "NOUN", "NUM", "PRON", "PRT", "VERB", "X"] as const;

export type CoarseTag = (typeof TAGSET)[number];

/** Brown's simple tags (lower case, without context marks), by class. */
const CLASS_OF_TAG: Readonly<Record<CoarseTag, readonly string[]>> = {
  ".": [".", ",", ":", "--", "(", ")", "``", "''", "'"],
  ADJ: ["jj", "jjr", "jjs", "jjt", "ap", "od"], // ap: many, other, next; od: ordinals
  ADP: ["in"],
  ADV: ["rb", "rbr", "rbt", "rn", "wrb", "ql", "qlp", "wql", "abl", "*"], // ql: very; abl: quite, rather; *: not, n't
  CONJ: ["cc", "cs"],
  DET: ["at", "abn", "abx", "dt", "dti", "dts", "dtx", "wdt", "pp$", "wp$"], // abn: all, half; pp$: my, your
  NOUN: ["nn", "nns", "np", "nps", "nr", "nrs"], // nr: adverbial nouns (home, today)
  NUM: ["cd"],
  PRON: ["pn", "ppl", "ppls", "ppo", "pps", "ppss", "pp$$", "wpo", "wps", "ex"], // pn: everybody, nothing; ex: existential there
  PRT: ["to", "rp", "uh"], // infinitival to, particles (up, out), interjections
  VERB: ["vb", "vbd", "vbg", "vbn", "vbz", "md", "be", "bed", "bedz", "beg", "bem", "ben", "ber", "bez", "do", "dod", "doz", "hv", "hvd", "hvg", "hvn", "hvz"],
  X: ["nil"],
};

const COARSE: ReadonlyMap<string, CoarseTag> = new Map(TAGSET.flatMap((coarse) => CLASS_OF_TAG[coarse].map((tag) => [tag, coarse] as const)));

/**
 * The coarse class of a Brown tag as the corpus writes it. Context marks go ("-tl", "-hl", "-nc");
 * a foreign word ("fw-") is X; a contraction takes its first word's class ("ppss+md", I'll: PRON);
 * a possessive ("nn$", "np$") or negation ("md*", "bez*") its word's class.
 */
export function coarseTag(brownTag: string): CoarseTag {
  if (brownTag.startsWith("fw-")) return "X";
  const first = brownTag.replace(/(-(tl|hl|nc))+$/, "").split("+")[0]!;
  const simple = first.length > 1 ? first.replace(/[$*]$/, "") : first; // "$" and "*" alone are not marks: "*" is a tag
  const coarse = COARSE.get(first) ?? COARSE.get(simple);
  if (coarse === undefined) throw new Error(`coarseTag: unknown Brown tag ${JSON.stringify(brownTag)}; expected a Brown tag such as "nn", "vbd-tl" or "ppss+md"`);
  return coarse;
}

/** The class's id: its index in TAGSET (the tagger's output column). */
export const TAG_ID: ReadonlyMap<CoarseTag, number> = new Map(TAGSET.map((tag, id) => [tag, id]));
