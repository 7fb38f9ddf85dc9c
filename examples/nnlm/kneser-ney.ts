// The n-gram baseline: an interpolated Kneser-Ney model (Chen & Goodman, 1998), counts in plain
// TypeScript. An n-gram model estimates p(w | the n-1 words before) from how often the n words
// occurred together; most n-grams of a held-out text never occurred in training (the sparsity the
// chapter describes), so each order's estimate is discounted and mixed with the next lower order's:
//
//   p_k(w | h) = max(c_k(h w) − D_k, 0) / c_k(h ·) + D_k · N_k(h ·) / c_k(h ·) · p_{k−1}(w | h without its first word)
//
// c_k is the count of the n-gram at the highest order and, below it, the number of different words
// seen before it (how many contexts a word continues, not how often); c_k(h ·) sums c_k(h w) over w,
// N_k(h ·) counts the w with c_k(h w) > 0; a context never seen falls back to p_{k−1} entirely.
// D_k = n1 / (n1 + 2 n2) from the numbers of k-grams counted once and twice; p_0 is uniform.

import type { Windows } from "./windows";

interface Order {
  /** c_k of each k-gram ("id,id,...,w"). */
  readonly grams: Map<string, number>;
  /** c_k(h ·) and N_k(h ·) of each context h ("id,...", "" for the unigrams). */
  readonly contexts: Map<string, { total: number; types: number }>;
  readonly discount: number;
}

const key = (ids: ArrayLike<number>, from: number, to: number) => Array.prototype.slice.call(ids, from, to).join(",");

/** Drops a key's first id: "a,b,c" -> "b,c". */
const suffix = (gram: string) => {
  const comma = gram.indexOf(",");
  return comma === -1 ? "" : gram.slice(comma + 1);
};

function orderOf(grams: Map<string, number>): Order {
  const contexts = new Map<string, { total: number; types: number }>();
  let once = 0;
  let twice = 0;
  for (const [gram, count] of grams) {
    const comma = gram.lastIndexOf(",");
    const context = comma === -1 ? "" : gram.slice(0, comma);
    const entry = contexts.get(context) ?? { total: 0, types: 0 };
    entry.total += count;
    entry.types++;
    contexts.set(context, entry);
    if (count === 1) once++;
    if (count === 2) twice++;
  }
  return { grams, contexts, discount: once + 2 * twice > 0 ? once / (once + 2 * twice) : 0.5 };
}

export class KneserNey {
  /** orders[k - 1] holds the k-grams. */
  private readonly orders: Order[] = [];

  /**
   * @param n the order: each word predicted from the n − 1 before it (at most the windows' length + 1)
   * @param classes the ids a word can be, 1 to classes − 1 (0 pads): p_0 is 1 / (classes − 1)
   */
  constructor(
    train: Windows,
    readonly n: number,
    private readonly classes: number,
  ) {
    if (!(Number.isInteger(n) && n >= 1 && n <= train.n + 1)) throw new Error(`KneserNey: the order must be an integer in [1, ${train.n + 1}], got ${n}`);
    const top = new Map<string, number>();
    for (let i = 0; i < train.count; i++) {
      const gram = [...train.x.subarray((i + 1) * train.n - (n - 1), (i + 1) * train.n), train.y[i]!].join(",");
      top.set(gram, (top.get(gram) ?? 0) + 1);
    }
    const grams = [top];
    // Below the top order: the number of different words seen before each k-gram.
    for (let k = n - 1; k >= 1; k--) {
      const continuations = new Map<string, number>();
      for (const gram of grams[0]!.keys()) {
        const shorter = suffix(gram);
        continuations.set(shorter, (continuations.get(shorter) ?? 0) + 1);
      }
      grams.unshift(continuations);
    }
    this.orders = grams.map(orderOf);
  }

  /** p(word | the n − 1 ids before it, the last ids of `context`). */
  probability(context: ArrayLike<number>, word: number): number {
    let p = 1 / (this.classes - 1);
    for (let k = 1; k <= this.n; k++) {
      const order = this.orders[k - 1]!;
      const h = key(context, context.length - (k - 1), context.length);
      const seen = order.contexts.get(h);
      if (!seen) continue;
      const count = order.grams.get(h ? `${h},${word}` : String(word)) ?? 0;
      p = Math.max(count - order.discount, 0) / seen.total + ((order.discount * seen.types) / seen.total) * p;
    }
    return p;
  }

  /**
   * The sparsity of the counts: the share of the windows' n-grams never seen in training (a maximum
   * likelihood n-gram model gives each probability 0, and the text an infinite perplexity), and the
   * share whose n − 1 words of context were never seen at all.
   */
  unseen(test: Windows): { grams: number; contexts: number } {
    const top = this.orders[this.n - 1]!;
    let grams = 0;
    let contexts = 0;
    for (let i = 0; i < test.count; i++) {
      const h = key(test.x, (i + 1) * test.n - (this.n - 1), (i + 1) * test.n);
      if (!top.grams.has(h ? `${h},${test.y[i]}` : String(test.y[i]))) grams++;
      if (!top.contexts.has(h)) contexts++;
    }
    return { grams: grams / test.count, contexts: contexts / test.count };
  }

  /** exp of the mean −log p over the windows' next words. */
  perplexity(test: Windows): number {
    let total = 0;
    for (let i = 0; i < test.count; i++) total -= Math.log(this.probability(test.x.subarray(i * test.n, (i + 1) * test.n), test.y[i]!));
    return Math.exp(total / test.count);
  }
}
