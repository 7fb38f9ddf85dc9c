// The task: 50 steps of one number each. Two steps are marked by a positive value, one among the
// first 10 steps and one among the last 10; every other step is small negative noise. The label is 1
// when the two marked values are in increasing order. A network that sees the second value but has
// forgotten the first can do no better than guess from the second alone (3 in 4 right, below).
import { Random } from "typegrad/runtime";

export const STEPS = 50;
/** Background steps are uniform in (-NOISE, 0]: the sign tells a marked step from the rest. */
export const NOISE = 0.5;
/** Marked values are uniform in (0, MARK]: large beside the noise, so the LSTM's gates find them early. */
export const MARK = 3;

export interface MarkedPairs {
  /** count · 50 values, example after example ([count, 50, 1]). */
  readonly x: Float32Array;
  /** 1 when the first marked value is below the second. */
  readonly y: Float32Array;
  /** The two marked values of each example, first then second. */
  readonly marked: Float32Array;
}

export function markedPairs(count: number, seed: number): MarkedPairs {
  const rng = new Random(seed);
  const x = new Float32Array(count * STEPS);
  const y = new Float32Array(count);
  const marked = new Float32Array(count * 2);
  for (let e = 0; e < count; e++) {
    const row = e * STEPS;
    for (let t = 0; t < STEPS; t++) x[row + t] = -NOISE * rng.uniform();
    const first = Math.floor(rng.uniform() * 10);
    const second = STEPS - 10 + Math.floor(rng.uniform() * 10);
    // 1 - uniform() is in (0, 1]: a mark is never 0, never mistaken for noise.
    const a = MARK * (1 - rng.uniform());
    const b = MARK * (1 - rng.uniform());
    x[row + first] = a;
    x[row + second] = b;
    marked[2 * e] = a;
    marked[2 * e + 1] = b;
    y[e] = a < b ? 1 : 0;
  }
  return { x, y, marked };
}

/**
 * The accuracy of the best rule that has forgotten the first value: guess "in order" when the second
 * is above the middle of (0, MARK] (for uniform values, P(a < b | b) = b / MARK). Its expectation is 3/4.
 */
export function secondValueOnlyAccuracy(data: MarkedPairs): number {
  let right = 0;
  for (let e = 0; e < data.y.length; e++) if ((data.marked[2 * e + 1]! > MARK / 2 ? 1 : 0) === data.y[e]) right++;
  return right / data.y.length;
}
