// The train/test split every loader offers: a seeded shuffle of the corpus' units (mails, reviews,
// chapters, sentences), then a cut. The same seed gives the same split on every machine, and a
// limited slice is a subset of the full split: its test examples are never in the full train set.

import { Random } from "../random";
import { checkOptionNames, describeValue } from "../text/check";

export interface SplitOptions {
  /** The share of the units held out as the test set, in [0, 1). Default: the loader's (0.2; imdbReviews 0.5). */
  readonly testFraction?: number;
  /** Seeds the shuffle before the cut (default 0): the same seed, the same split. */
  readonly seed?: number;
  /**
   * Keep only this many units in all: the first `limit · (1 - testFraction)` of the train set and the
   * first `limit · testFraction` of the test set, a slice for quick runs. Default: every unit.
   */
  readonly limit?: number;
}

export interface Split<T> {
  readonly train: T[];
  readonly test: T[];
}

const OPTION_NAMES = ["testFraction", "seed", "limit"] as const;

/** Checked split options: what splitUnits needs. */
export interface SplitPlan {
  readonly testFraction: number;
  readonly seed: number;
  readonly limit: number | undefined;
}

/** Checks a loader's options before any file is read, so a typo costs no loading time. */
export function checkSplitOptions(options: unknown, defaultTestFraction: number, loader: string): SplitPlan {
  if (typeof options !== "object" || options === null) throw new Error(`${loader}: expected an options object, got ${describeValue(options)}`);
  checkOptionNames(options, OPTION_NAMES, loader);
  const { testFraction = defaultTestFraction, seed = 0, limit } = options as SplitOptions;
  if (typeof testFraction !== "number" || !(testFraction >= 0 && testFraction < 1)) {
    throw new Error(`${loader}: testFraction must be a number in [0, 1), got ${describeValue(testFraction)}`);
  }
  if (typeof seed !== "number" || !Number.isInteger(seed)) throw new Error(`${loader}: seed must be an integer, got ${describeValue(seed)}`);
  if (limit !== undefined && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1)) {
    throw new Error(`${loader}: limit must be an integer of at least 1, got ${describeValue(limit)}`);
  }
  return { testFraction, seed, limit };
}

/**
 * Shuffles the units with the plan's seed, cuts off the test set, and keeps the plan's limit of each
 * side. Each side stays in shuffled order, or, with `keepOrder` (a book's chapters), in the corpus' order.
 */
export function splitUnits<T>(units: readonly T[], { testFraction, seed, limit }: SplitPlan, keepOrder = false): Split<T> {
  const order = Int32Array.from(units, (_, i) => i);
  new Random(seed).shuffle(order);
  const testCount = Math.round(units.length * testFraction);
  const trainOrder = order.subarray(0, units.length - testCount);
  const testOrder = order.subarray(units.length - testCount);
  const limitedTest = limit === undefined ? testCount : Math.min(testCount, Math.round(limit * testFraction));
  const limitedTrain = limit === undefined ? trainOrder.length : Math.min(trainOrder.length, limit - limitedTest);
  const pick = (indices: Int32Array) => Array.from(keepOrder ? indices.slice().sort() : indices, (i) => units[i]!);
  return { train: pick(trainOrder.subarray(0, limitedTrain)), test: pick(testOrder.subarray(0, limitedTest)) };
}
