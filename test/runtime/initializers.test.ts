import { describe, expect, it } from "vitest";
import type { InitializerConfig } from "../../dsl/config/initializers";
import { fans, initialize } from "../../runtime/initializers";
import { Random } from "../../runtime/random";

function moments(values: Float32Array): { mean: number; variance: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return { mean, variance: variance / values.length };
}

const maxAbs = (values: Float32Array) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** W^T W (cols x cols) of a row-major rows x cols matrix. */
function gram(w: Float32Array, rows: number, cols: number): number[][] {
  return Array.from({ length: cols }, (_, a) =>
    Array.from({ length: cols }, (_, b) => {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += w[r * cols + a]! * w[r * cols + b]!;
      return sum;
    }),
  );
}

const transpose = (w: Float32Array, rows: number, cols: number) => Float32Array.from({ length: rows * cols }, (_, i) => w[(i % rows) * cols + Math.floor(i / rows)]!);

function expectScaledIdentity(m: number[][], scale: number, tolerance: number): void {
  m.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - (i === j ? scale : 0))).toBeLessThan(tolerance)));
}

describe("fans (Keras compute_fans)", () => {
  it("follows the rank", () => {
    expect(fans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(fans([4, 3])).toEqual({ fanIn: 4, fanOut: 3 });
    expect(fans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
  });
});

describe("initialize: variance scaling (a 400 x 300 kernel, 120000 values)", () => {
  const shape = [400, 300];
  const cases: { name: "glorotUniform" | "heUniform" | "glorotNormal" | "heNormal"; variance: number; bound: number }[] = [
    // Uniform: U(-l, l) has variance l^2 / 3.
    { name: "glorotUniform", variance: 6 / 700 / 3, bound: Math.sqrt(6 / 700) },
    { name: "heUniform", variance: 6 / 400 / 3, bound: Math.sqrt(6 / 400) },
    // Truncated normal: Keras widens sigma by 1/0.8796 so the variance after the cut is scale / n.
    { name: "glorotNormal", variance: 1 / 350, bound: (2 * Math.sqrt(1 / 350)) / 0.87962566103423978 },
    { name: "heNormal", variance: 2 / 400, bound: (2 * Math.sqrt(2 / 400)) / 0.87962566103423978 },
  ];
  for (const { name, variance, bound } of cases) {
    it(`${name}: variance ${variance.toPrecision(4)}, every value within ${bound.toPrecision(4)}`, () => {
      const w = initialize({ name }, shape, new Random(1));
      expect(w).toBeInstanceOf(Float32Array);
      expect(w.length).toBe(120_000);
      const { mean, variance: sample } = moments(w);
      // Relative standard error of the sample variance is at most 0.4% here.
      expect(Math.abs(sample / variance - 1)).toBeLessThan(0.02);
      expect(Math.abs(mean)).toBeLessThan(0.02 * Math.sqrt(variance));
      expect(maxAbs(w)).toBeLessThanOrEqual(Math.fround(bound));
      // The bound is reached closely: the whole range is used.
      expect(maxAbs(w)).toBeGreaterThan(0.99 * bound);
    });
  }

  it("truncated normals have the truncated shape: P(|x| < sigma) = 0.6827 / 0.9545 for the widened sigma", () => {
    // For N(0, s) cut at 2s, P(|x| < s) = (0.682689) / (0.954500).
    const w = initialize({ name: "heNormal" }, shape, new Random(2));
    const s = Math.sqrt(2 / 400) / 0.87962566103423978;
    const within = w.filter((v) => Math.abs(v) < s).length / w.length;
    expect(Math.abs(within - 0.682689 / 0.9545)).toBeLessThan(0.01);
  });

  it("uses rank-1 fans for vectors (fanIn = fanOut = n)", () => {
    const w = initialize({ name: "glorotUniform" }, [1000], new Random(3));
    expect(maxAbs(w)).toBeLessThanOrEqual(Math.fround(Math.sqrt(6 / 2000)));
    expect(maxAbs(w)).toBeGreaterThan(0.99 * Math.sqrt(6 / 2000));
  });

  it("is deterministic in the generator's seed", () => {
    const a = initialize({ name: "glorotUniform" }, [20, 10], new Random(5));
    const b = initialize({ name: "glorotUniform" }, [20, 10], new Random(5));
    const c = initialize({ name: "glorotUniform" }, [20, 10], new Random(6));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe("initialize: orthogonal (Keras Orthogonal)", () => {
  it("gives orthonormal columns for a tall kernel (Q^T Q = I)", () => {
    const w = initialize({ name: "orthogonal", gain: 1 }, [50, 30], new Random(1));
    expectScaledIdentity(gram(w, 50, 30), 1, 1e-5);
  });

  it("gives orthonormal rows for a wide kernel (Q Q^T = I), as Keras transposes", () => {
    const w = initialize({ name: "orthogonal", gain: 1 }, [16, 64], new Random(2));
    expectScaledIdentity(gram(transpose(w, 16, 64), 64, 16), 1, 1e-5);
  });

  it("multiplies by the gain: W^T W = gain^2 I for a square kernel", () => {
    const w = initialize({ name: "orthogonal", gain: 2 }, [40, 40], new Random(3));
    expectScaledIdentity(gram(w, 40, 40), 4, 4e-5);
    expectScaledIdentity(gram(transpose(w, 40, 40), 40, 40), 4, 4e-5);
  });

  it("flattens higher ranks to (prod(shape[:-1]), shape[-1])", () => {
    const w = initialize({ name: "orthogonal", gain: 1 }, [4, 5, 6], new Random(4));
    expectScaledIdentity(gram(w, 20, 6), 1, 1e-5);
  });

  it("is a random rotation: its entries have variance 1/n, and seeds differ", () => {
    const n = 200;
    const w = initialize({ name: "orthogonal", gain: 1 }, [n, n], new Random(5));
    expect(Math.abs(moments(w).variance * n - 1)).toBeLessThan(0.02);
    expect(w).not.toEqual(initialize({ name: "orthogonal", gain: 1 }, [n, n], new Random(6)));
    expect(w).toEqual(initialize({ name: "orthogonal", gain: 1 }, [n, n], new Random(5)));
  });

  it("refuses vectors, as Keras does", () => {
    expect(() => initialize({ name: "orthogonal", gain: 1 }, [8], new Random(1))).toThrow(/at least two-dimensional, got shape \[8\]/);
  });
});

describe("initialize: constants and plain distributions", () => {
  it("zeros, ones, constant", () => {
    expect([...initialize({ name: "zeros" }, [2, 3], new Random(1))]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...initialize({ name: "ones" }, [4], new Random(1))]).toEqual([1, 1, 1, 1]);
    expect([...initialize({ name: "constant", value: 0.25 }, [3], new Random(1))]).toEqual([0.25, 0.25, 0.25]);
    expect(initialize({ name: "zeros" }, [], new Random(1)).length).toBe(1);
  });

  it("values: copies them (as float32), checking the count", () => {
    const values = [0.3, 0.4, 0.25, 0.35];
    const w = initialize({ name: "values", values }, [2, 2], new Random(1));
    expect([...w]).toEqual(values.map(Math.fround));
    w[0] = 9;
    expect(values[0]).toBe(0.3);
    expect(() => initialize({ name: "values", values }, [2, 3], new Random(1))).toThrow(/4 values for a weight of shape \[2, 3\] \(6 values\)/);
  });

  it("randomUniform: in [minval, maxval], mean and variance of U(minval, maxval)", () => {
    const w = initialize({ name: "randomUniform", minval: -0.05, maxval: 0.15 }, [300, 400], new Random(2));
    expect(w.every((v) => v >= Math.fround(-0.05) && v <= Math.fround(0.15))).toBe(true);
    const { mean, variance } = moments(w);
    expect(Math.abs(mean - 0.05)).toBeLessThan(0.001);
    expect(Math.abs(variance / (0.2 ** 2 / 12) - 1)).toBeLessThan(0.02);
  });

  it("randomNormal: mean and stddev as given, not truncated", () => {
    const w = initialize({ name: "randomNormal", mean: 1, stddev: 0.5 }, [300, 400], new Random(3));
    const { mean, variance } = moments(w);
    expect(Math.abs(mean - 1)).toBeLessThan(0.01);
    expect(Math.abs(variance / 0.25 - 1)).toBeLessThan(0.02);
    // About 0.62% of values lie beyond 2.5 deviations; a truncated normal would have none.
    const far = w.filter((v) => Math.abs(v - 1) > 2.5 * 0.5).length / w.length;
    expect(Math.abs(far - 0.0124)).toBeLessThan(0.002);
  });
});

describe("initialize: unitForgetBias (Keras LSTMCell with unit_forget_bias)", () => {
  it("is base([units]), ones([units]), base([2 * units]) with a zeros base", () => {
    const w = initialize({ name: "unitForgetBias", units: 3, base: { name: "zeros" } }, [12], new Random(1));
    expect([...w]).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it("draws a fan-based base per slice, with that slice's fans, as Keras does", () => {
    const units = 50;
    const config: InitializerConfig = { name: "unitForgetBias", units, base: { name: "glorotUniform" } };
    const w = initialize(config, [4 * units], new Random(2));
    const [first, forget, rest] = [w.subarray(0, units), w.subarray(units, 2 * units), w.subarray(2 * units)];
    expect([...forget]).toEqual(new Array(units).fill(1));
    // Slice [units]: limit sqrt(6 / (2 * units)); slice [2 * units]: limit sqrt(6 / (4 * units)).
    expect(maxAbs(first)).toBeLessThanOrEqual(Math.fround(Math.sqrt(6 / (2 * units))));
    expect(maxAbs(first)).toBeGreaterThan(Math.sqrt(6 / (4 * units)));
    expect(maxAbs(rest)).toBeLessThanOrEqual(Math.fround(Math.sqrt(6 / (4 * units))));
    expect(w).toEqual(initialize(config, [4 * units], new Random(2)));
  });

  it("refuses a bias that is not 4 x units", () => {
    expect(() => initialize({ name: "unitForgetBias", units: 3, base: { name: "zeros" } }, [10], new Random(1))).toThrow(/12 values \(4 x 3 units\), got shape \[10\]/);
  });
});
