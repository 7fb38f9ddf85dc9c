// The task: 30 token ids, all neutral filler words but one opinion word, at any position; the label is
// 1 when that word is a positive one. The farther the opinion word sits from the end, the longer the
// network has to carry it through filler.
import { Random } from "typegrad/runtime";

export const STEPS = 30;
/** Ids 1-4 are positive words, 5-8 negative ones, 9-19 filler; 0 is left for padding, as Keras does. */
export const VOCABULARY = 20;
const POSITIVE = 1;
const NEGATIVE = 5;
const OPINIONS = 4;
const FILLER = 9;

export interface OpinionWords {
  /** count · 30 token ids, example after example. */
  readonly x: Int32Array;
  /** 1 for a positive opinion word. */
  readonly y: Float32Array;
  /** The opinion word's distance from the last step: 0 when it is the last word. */
  readonly distance: Int32Array;
}

export function opinionWords(count: number, seed: number): OpinionWords {
  const rng = new Random(seed);
  const x = new Int32Array(count * STEPS);
  const y = new Float32Array(count);
  const distance = new Int32Array(count);
  const pick = (from: number, size: number) => from + Math.floor(rng.uniform() * size);
  for (let e = 0; e < count; e++) {
    for (let t = 0; t < STEPS; t++) x[e * STEPS + t] = pick(FILLER, VOCABULARY - FILLER);
    const positive = rng.uniform() < 0.5;
    const at = pick(0, STEPS);
    x[e * STEPS + at] = pick(positive ? POSITIVE : NEGATIVE, OPINIONS);
    y[e] = positive ? 1 : 0;
    distance[e] = STEPS - 1 - at;
  }
  return { x, y, distance };
}
