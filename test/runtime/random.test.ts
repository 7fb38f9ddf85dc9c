import { describe, expect, it } from "vitest";
import { Random } from "../../runtime/random";

const draw = (n: number, next: () => number) => Array.from({ length: n }, next);

function moments(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, variance };
}

describe("Random", () => {
  it("is xoshiro128**: the reference outputs from state {1, 2, 3, 4}", () => {
    const random = Random.fromState([1, 2, 3, 4]);
    expect(draw(8, () => random.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it("keeps its seeding: these numbers start every model's weights, so a change must be deliberate", () => {
    const random = new Random(42);
    expect(draw(6, () => random.nextUint32())).toEqual([2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290]);
    const shuffle = new Random(42).fork("shuffle");
    expect(draw(3, () => shuffle.nextUint32())).toEqual([633232483, 2947413587, 3918099820]);
  });

  it("gives identical sequences for the same seed", () => {
    const [a, b] = [new Random(7), new Random(7)];
    expect(draw(100, () => a.nextUint32())).toEqual(draw(100, () => b.nextUint32()));
    expect(draw(100, () => a.uniform())).toEqual(draw(100, () => b.uniform()));
    expect(draw(101, () => a.normal())).toEqual(draw(101, () => b.normal()));
    const [x, y] = [Int32Array.from({ length: 50 }, (_, i) => i), Int32Array.from({ length: 50 }, (_, i) => i)];
    a.shuffle(x);
    b.shuffle(y);
    expect(x).toEqual(y);
  });

  it("gives different sequences for different seeds", () => {
    const [a, b] = [new Random(1), new Random(2)];
    expect(draw(10, () => a.nextUint32())).not.toEqual(draw(10, () => b.nextUint32()));
  });

  it("takes the seed modulo 2^32", () => {
    const [a, b] = [new Random(5), new Random(2 ** 32 + 5)];
    expect(draw(5, () => a.nextUint32())).toEqual(draw(5, () => b.nextUint32()));
  });

  it("refuses an all-zero state", () => {
    expect(() => Random.fromState([0, 0, 0, 0])).toThrow(/all zeros/);
  });

  it("draws 32-bit unsigned integers", () => {
    const random = new Random(3);
    const values = draw(10_000, () => random.nextUint32());
    expect(values.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
    expect(values.some((v) => v >= 2 ** 31)).toBe(true);
  });

  it("draws uniforms in [0, 1) with mean 1/2 and variance 1/12", () => {
    const random = new Random(11);
    const values = draw(200_000, () => random.uniform());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const { mean, variance } = moments(values);
    // Standard errors: mean 0.00065, variance 0.00017.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.004);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.001);
    // Each tenth of [0, 1) gets its share (expected 20000, standard deviation 134).
    const counts = new Array<number>(10).fill(0);
    for (const v of values) counts[Math.floor(v * 10)]!++;
    for (const c of counts) expect(Math.abs(c - 20_000)).toBeLessThan(800);
  });

  it("draws standard normals: mean 0, variance 1, 68.3% within one deviation", () => {
    const random = new Random(12);
    const values = draw(200_000, () => random.normal());
    expect(values.every(Number.isFinite)).toBe(true);
    const { mean, variance } = moments(values);
    // Standard errors: mean 0.0022, variance 0.0032.
    expect(Math.abs(mean)).toBeLessThan(0.012);
    expect(Math.abs(variance - 1)).toBeLessThan(0.016);
    const within = values.filter((v) => Math.abs(v) < 1).length / values.length;
    expect(Math.abs(within - 0.682689)).toBeLessThan(0.005);
    const beyondThree = values.filter((v) => Math.abs(v) > 3).length / values.length;
    expect(Math.abs(beyondThree - 0.0026998)).toBeLessThan(0.0006);
  });

  it("makes two normals from each pair of uniforms (the second one cached)", () => {
    const [a, b] = [new Random(5), new Random(5)];
    a.normal();
    a.normal();
    b.nextUint32();
    b.nextUint32();
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it("shuffles into a permutation, each of the 6 orders of 3 items equally often", () => {
    const random = new Random(13);
    const big = Int32Array.from({ length: 1000 }, (_, i) => i);
    random.shuffle(big);
    expect([...big].sort((p, q) => p - q)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...big]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));

    const counts = new Map<string, number>();
    for (let trial = 0; trial < 60_000; trial++) {
      const order = Int32Array.of(0, 1, 2);
      random.shuffle(order);
      counts.set(order.join(""), (counts.get(order.join("")) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Expected 10000 each, standard deviation 91.
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(450);
  });

  it("leaves empty and one-element arrays alone", () => {
    const random = new Random(1);
    const empty = new Int32Array(0);
    random.shuffle(empty);
    expect(empty.length).toBe(0);
    const one = Int32Array.of(9);
    random.shuffle(one);
    expect([...one]).toEqual([9]);
  });

  describe("fork", () => {
    it("is deterministic in the seed and label", () => {
      const [a, b] = [new Random(9).fork("dropout"), new Random(9).fork("dropout")];
      expect(draw(20, () => a.nextUint32())).toEqual(draw(20, () => b.nextUint32()));
    });

    it("does not depend on what was drawn from the parent, nor disturb it", () => {
      const parent = new Random(9);
      const before = parent.fork("init");
      draw(1000, () => parent.normal());
      const after = parent.fork("init");
      expect(draw(20, () => before.nextUint32())).toEqual(draw(20, () => after.nextUint32()));

      const [p, q] = [new Random(21), new Random(21)];
      const child = p.fork("shuffle");
      draw(50, () => child.uniform());
      expect(draw(20, () => p.nextUint32())).toEqual(draw(20, () => q.nextUint32()));
    });

    it("gives streams that differ between labels, seeds and from the parent", () => {
      const streams = [new Random(9), new Random(9).fork("a"), new Random(9).fork("b"), new Random(10).fork("a"), new Random(9).fork("a").fork("a")];
      const firsts = streams.map((r) => draw(4, () => r.nextUint32()).join(","));
      expect(new Set(firsts).size).toBe(streams.length);
    });

    it("gives uncorrelated streams", () => {
      const root = new Random(4);
      const [a, b] = [root.fork("0"), root.fork("1")];
      const n = 100_000;
      let product = 0;
      for (let i = 0; i < n; i++) product += (a.uniform() - 0.5) * (b.uniform() - 0.5);
      // Correlation's standard error is 1/sqrt(n) = 0.0032.
      expect(Math.abs((product / n) * 12)).toBeLessThan(0.016);
    });
  });
});
