import { describe, expect, it } from "vitest";
import { rationalTanh } from "../../runtime/activations/rational-tanh";
import { Random } from "../../runtime/random";
import { ulpOf } from "../support/ulp";

/** The largest error of rationalTanh rounded to float32, in float32 ulps of Math.tanh, over float32 xs drawn in [-scale, scale]. */
function maxUlpError(random: Random, count: number, scale: number): { ulps: number; at: number } {
  let worst = { ulps: 0, at: NaN };
  for (let i = 0; i < count; i++) {
    const x = Math.fround((random.uniform() * 2 - 1) * scale);
    const expected = Math.tanh(x);
    const ulps = Math.abs(Math.fround(rationalTanh(x)) - expected) / ulpOf(expected);
    if (!(ulps <= worst.ulps)) worst = { ulps, at: x };
  }
  return worst;
}

describe("rationalTanh", () => {
  it("is within 3 float32 ulps of Math.tanh, from tiny arguments to past saturation", () => {
    const random = new Random(7);
    for (const scale of [0.001, 0.1, 1, 4, 9.2, 30]) {
      const { ulps, at } = maxUlpError(random, 50_000, scale);
      expect(ulps, `scale ${scale}: worst at ${at}`).toBeLessThanOrEqual(3);
    }
  });

  it("is odd, keeps tiny arguments and -0, saturates to ±1 and passes NaN", () => {
    for (const x of [0.3, 2.5, 8.9, 1e-5]) expect(rationalTanh(-x)).toBe(-rationalTanh(x));
    expect(rationalTanh(1e-5)).toBe(1e-5);
    expect(Object.is(rationalTanh(-0), -0)).toBe(true);
    expect([rationalTanh(9.5), rationalTanh(-40), rationalTanh(Infinity), rationalTanh(-Infinity)]).toEqual([1, -1, 1, -1]);
    expect(rationalTanh(NaN)).toBeNaN();
  });
});
