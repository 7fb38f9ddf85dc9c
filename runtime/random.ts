// A seeded generator (xoshiro128**, seeded through splitmix32): the same seed gives the same
// numbers on every platform. fork(label) derives an independent stream from the seed and a
// label, so initialisation, dropout and shuffling never disturb each other.

import type { UniformSource } from "./kernels";

/** One step of splitmix32 (a Weyl sequence through murmur3's finaliser): [next state, output]. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** FNV-1a of a label, to derive fork seeds. */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

const TWO_PI = 2 * Math.PI;

export class Random implements UniformSource {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** `seed` is taken modulo 2^32. */
  constructor(readonly seed: number) {
    let state = seed | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, value] = splitmix32(state);
      state = next;
      words.push(value);
    }
    this.setState(words as [number, number, number, number]);
  }

  /** A generator whose xoshiro128** state is exactly `state` (for known-answer tests). */
  static fromState(state: readonly [number, number, number, number]): Random {
    const random = new Random(0);
    random.setState(state);
    return random;
  }

  private setState([s0, s1, s2, s3]: readonly [number, number, number, number]): void {
    if ((s0 | s1 | s2 | s3) === 0) throw new Error("Random: the state must not be all zeros");
    [this.s0, this.s1, this.s2, this.s3] = [s0 | 0, s1 | 0, s2 | 0, s3 | 0];
    this.spare = null;
  }

  /**
   * An independent stream named `label`; the same seed and label always give the same stream.
   * It depends only on this generator's seed, never on how many numbers were drawn from it.
   */
  fork(label: string): Random {
    return new Random((Math.imul(this.seed ^ 0x5bd1e995, 0x27d4eb2d) ^ hashLabel(label)) >>> 0);
  }

  /** xoshiro128** (Blackman and Vigna): the next 32 bits, as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), in steps of 2^-32. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const u = 1 - this.uniform(); // in (0, 1], so the logarithm is finite
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spare = radius * Math.sin(TWO_PI * v);
    return radius * Math.cos(TWO_PI * v);
  }

  /** Fisher-Yates, in place: every permutation equally likely. */
  shuffle(indices: Int32Array): void {
    for (let i = indices.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = indices[i]!;
      indices[i] = indices[j]!;
      indices[j] = t;
    }
  }
}
