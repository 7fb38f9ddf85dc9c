import { describe, expect, it } from "vitest";
import { jsSoftmaxRows, type SoftmaxRows } from "../../runtime/activations/js-softmax";
import { softmaxRows } from "../../runtime/activations/softmax";
import { softmaxKernelModule } from "../../runtime/activations/softmax-kernel";
import { SimdSoftmax } from "../../runtime/activations/simd-softmax";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { i32Params, ModuleBuilder } from "../../runtime/wasm/wasm-assembler";
import { Random } from "../../runtime/random";

/** Each row's softmax in float64, from the float32 inputs. */
function reference(x: Float32Array, width: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += width) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, x[o + j]!);
    let total = 0;
    for (let j = 0; j < width; j++) total += y[o + j] = Math.exp(x[o + j]! - max);
    for (let j = 0; j < width; j++) y[o + j]! /= total;
  }
  return y;
}

const bitsOf = (values: Float32Array): Uint32Array => new Uint32Array(values.slice().buffer);

function randomRows(random: Random, rows: number, width: number, scale: number): Float32Array {
  return Float32Array.from({ length: rows * width }, () => (random.uniform() * 2 - 1) * scale);
}

function run(softmax: SoftmaxRows, x: Float32Array, rows: number, width: number): Float32Array {
  const y = new Float32Array(rows * width);
  softmax(x, y, rows, width);
  return y;
}

/**
 * The largest error relative to the float64 softmax, in units of (4 + |x − max|)·2^-24: the SIMD path
 * rounds x − max to float32 (an error of |x − max|·2^-24 in e^(x − max)), then a few ulps in expf, the
 * sum and the scaling. Only probabilities above 1e-30 count (below, the exp flushes to 0 or subnormals).
 */
function worstError(softmax: SoftmaxRows, x: Float32Array, rows: number, width: number): number {
  const y = run(softmax, x, rows, width);
  const expected = reference(x, width);
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, x[r * width + j]!);
    for (let j = 0; j < width; j++) {
      const i = r * width + j;
      if (expected[i]! < 1e-30) continue;
      const allowed = (4 + Math.abs(x[i]! - max)) * 2 ** -24;
      worst = Math.max(worst, Math.abs(y[i]! - expected[i]!) / expected[i]! / allowed);
    }
  }
  return worst;
}

const simd = SimdSoftmax.create();

const implementations: readonly (readonly [string, SoftmaxRows])[] = [
  ["softmaxRows (WebAssembly SIMD)", softmaxRows],
  ["SimdSoftmax", simd?.softmaxRows ?? jsSoftmaxRows],
  ["jsSoftmaxRows (the fallback)", jsSoftmaxRows],
];

it("runs on WebAssembly SIMD in this Node", () => {
  expect(simd).not.toBeNull();
});

describe.each(implementations)("%s", (_, softmax) => {
  it("is the float64 softmax to within (4 + |x − max|)·2^-24, relatively, for widths 1 to 9, 64 and 5000", () => {
    const random = new Random(1);
    for (const width of [1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 5000]) {
      for (const scale of [0.1, 3, 30]) expect(worstError(softmax, randomRows(random, 7, width, scale), 7, width), `width ${width}, scale ${scale}`).toBeLessThanOrEqual(1);
    }
  });

  it("gives rows that sum to 1 within 1e-6 and a row of equal values 1 / width", () => {
    const random = new Random(2);
    const x = randomRows(random, 16, 5000, 20);
    const y = run(softmax, x, 16, 5000);
    for (let r = 0; r < 16; r++) expect(Math.abs(y.subarray(r * 5000, (r + 1) * 5000).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
    expect([...run(softmax, new Float32Array(6).fill(-3.5), 1, 6)]).toEqual(new Array(6).fill(Math.fround(1 / 6)));
  });

  it("gives 0 to -Infinity and to values far below the row's maximum, NaN to a row holding NaN or +Infinity, and leaves the other rows alone", () => {
    const x = Float32Array.from([-Infinity, 0, -Infinity, 0, ...[-1000, 0, 1, 2], ...[1, NaN, 2, 3], ...[Infinity, 1, 2, 3], ...[-2, -1, 0, 1]]);
    const y = run(softmax, x, 5, 4);
    expect([...y.subarray(0, 4)]).toEqual([0, 0.5, 0, 0.5]);
    expect(y[4]).toBe(0);
    for (const i of [8, 9, 10, 11, 12, 13, 14, 15]) expect(y[i]).toBeNaN();
    expect(bitsOf(y.subarray(16))).toEqual(bitsOf(run(softmax, x.subarray(16), 1, 4)));
    expect(bitsOf(y.subarray(4, 8))).toEqual(bitsOf(run(softmax, x.subarray(4, 8), 1, 4)));
  });

  it("gives a row the bit-identical result alone and among other rows, at any width, in place or not", () => {
    const random = new Random(3);
    for (const width of [3, 8, 65, 300]) {
      const x = randomRows(random, 5, width, 10);
      const all = run(softmax, x, 5, width);
      for (let r = 0; r < 5; r++) expect(bitsOf(run(softmax, x.slice(r * width, (r + 1) * width), 1, width)), `width ${width}, row ${r}`).toEqual(bitsOf(all.subarray(r * width, (r + 1) * width)));
      const inPlace = x.slice();
      softmax(inPlace, inPlace, 5, width);
      expect(bitsOf(inPlace)).toEqual(bitsOf(all));
    }
  });

  it("writes only the first rows·width floats of y, reads only those of x, and does nothing for 0 rows", () => {
    const random = new Random(4);
    for (const [rows, width] of [[0, 7], [2, 7], [3, 64], [1, 5]] as const) {
      const x = randomRows(random, rows + 2, width, 5);
      const y = new Float32Array((rows + 2) * width).fill(-7.25);
      softmax(x, y, rows, width);
      expect([...y.subarray(rows * width)]).toEqual(new Array(2 * width).fill(-7.25));
      const longer = x.slice();
      longer.fill(NaN, rows * width);
      expect(bitsOf(run(softmax, longer, rows, width))).toEqual(bitsOf(run(softmax, x, rows, width)));
    }
  });

  it("is deterministic: the same input gives a bit-identical output, whatever ran before", () => {
    const random = new Random(5);
    const x = randomRows(random, 4, 70, 10);
    const first = bitsOf(run(softmax, x, 4, 70));
    run(softmax, randomRows(random, 64, 5003, 50), 64, 5003); // grows the scratch memory, leaves other floats in it
    run(softmax, Float32Array.from([NaN, Infinity, -Infinity, 3e38, -3e38, 0, -0, 1]), 2, 4);
    expect(bitsOf(run(softmax, x, 4, 70))).toEqual(first);
  });
});

describe.each(implementations)("%s with a bias", (_, softmax) => {
  /** x + bias rounded to float32, as the bias's sum with x is defined. */
  const biased = (x: Float32Array, bias: Float32Array, width: number) => x.map((v, i) => v + bias[i % width]!);

  it("is the float64 softmax of x + bias (rounded to float32) to within (4 + |z − max|)·2^-24, for widths 1 to 9, 64 and 5001", () => {
    const random = new Random(7);
    for (const width of [1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 5001]) {
      const x = randomRows(random, 5, width, 3);
      const bias = randomRows(random, 1, width, 10);
      const z = biased(x, bias, width);
      const y = new Float32Array(x.length);
      softmax(x, y, 5, width, bias);
      const expected = reference(z, width);
      let worst = 0;
      for (let r = 0; r < 5; r++) {
        const max = Math.max(...z.subarray(r * width, (r + 1) * width));
        for (let j = 0; j < width; j++) {
          const i = r * width + j;
          if (expected[i]! >= 1e-30) worst = Math.max(worst, Math.abs(y[i]! - expected[i]!) / expected[i]! / ((4 + Math.abs(z[i]! - max)) * 2 ** -24));
        }
      }
      expect(worst, `width ${width}`).toBeLessThanOrEqual(1);
    }
  });

  it("gives bit for bit the softmax of x + bias added beforehand, in place or not, from views at offsets", () => {
    const random = new Random(8);
    for (const width of [3, 8, 65, 300]) {
      const backing = randomRows(random, 6, width, 5);
      const x = backing.subarray(width + 1, width + 1 + 4 * width);
      const biasBacking = randomRows(random, 1, width + 3, 5);
      const bias = biasBacking.subarray(3);
      const expected = run(softmax, biased(x, bias, width), 4, width);
      const y = new Float32Array(4 * width);
      softmax(x, y, 4, width, bias);
      expect(bitsOf(y), `width ${width}`).toEqual(bitsOf(expected));
      const inPlace = x.slice();
      softmax(inPlace, inPlace, 4, width, bias);
      expect(bitsOf(inPlace), `width ${width}, in place`).toEqual(bitsOf(expected));
    }
  });

  it("reads only the first width floats of a longer bias, and with a null bias is the softmax of x", () => {
    const random = new Random(9);
    const x = randomRows(random, 3, 70, 5);
    const bias = randomRows(random, 1, 70, 5);
    const longer = Float32Array.from([...bias, NaN, NaN]);
    const y = new Float32Array(x.length);
    softmax(x, y, 3, 70, longer);
    expect(bitsOf(y)).toEqual(bitsOf(run(softmax, biased(x, bias, 70), 3, 70)));
    softmax(x, y, 3, 70, null);
    expect(bitsOf(y)).toEqual(bitsOf(run(softmax, x, 3, 70)));
  });
});

describe("jsSoftmaxRows", () => {
  it("is the float64 softmax to within an ulp (e^(x − max) and the quotient are each rounded to float32)", () => {
    const x = randomRows(new Random(6), 3, 50, 20);
    const expected = reference(x, 50);
    run(jsSoftmaxRows, x, 3, 50).forEach((y, i) => expect(Math.abs(y - expected[i]!)).toBeLessThanOrEqual(expected[i]! * 2 ** -23));
  });
});

describe("softmaxRows", () => {
  it("rejects rows and widths that are not counts, and arrays too short for them", () => {
    const x = new Float32Array(8);
    expect(() => softmaxRows(x, x, -1, 4)).toThrow(new RangeError("softmaxRows: rows must be a non-negative integer, got -1"));
    expect(() => softmaxRows(x, x, 2, 0)).toThrow("softmaxRows: width must be a positive integer, got 0");
    expect(() => softmaxRows(x, x, 1.5, 4)).toThrow("softmaxRows: rows must be a non-negative integer, got 1.5");
    expect(() => softmaxRows(x.subarray(1), x, 2, 4)).toThrow(new RangeError("softmaxRows: x holds 7 floats, needs 8"));
    expect(() => softmaxRows(x, x.subarray(2), 2, 4)).toThrow(new RangeError("softmaxRows: y holds 6 floats, needs 8"));
    expect(() => softmaxRows(x, x, 2, 4, new Float32Array(3))).toThrow(new RangeError("softmaxRows: bias holds 3 floats, needs 4"));
    expect(() => softmaxRows(x, x, 2, 4, [1, 2, 3, 4] as unknown as Float32Array)).toThrow(new TypeError("softmaxRows: bias must be a Float32Array or null, got object"));
  });
});

describe("the softmax module", () => {
  it("is one the host validates, small enough for a browser to compile synchronously (4 KB); SimdSoftmax.create gives null without WebAssembly", () => {
    const bytes = softmaxKernelModule();
    expect(hostWasm()!.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(4096);
    expect(SimdSoftmax.create(null)).toBeNull();
  });

  it("uses the assembler's float64 instructions as their definitions say: promote, add, extract, demote, f32.max", () => {
    const host = hostWasm()!;
    const module = new ModuleBuilder(1);
    const f = module.function("apply", i32Params(), [], true);
    // floats 0..3 at 0; at 16, f64x2: promote_low(floats) + promote_low(the same); at 32, f32: demote(lane 0 + lane 1) and max(float 2, float 3)
    f.i32(16).i32(0).op("v128.load", 0).op("f64x2.promote_low_f32x4").i32(0).op("v128.load", 0).op("f64x2.promote_low_f32x4").op("f64x2.add").op("v128.store", 0);
    f.i32(32).i32(16).op("v128.load", 0).op("f64x2.extract_lane", 0).i32(16).op("v128.load", 0).op("f64x2.extract_lane", 1).op("f64.add").op("f32.demote_f64").op("f32.store", 0);
    f.i32(36).i32(0).op("v128.load", 8).op("f32x4.extract_lane", 0).i32(0).op("v128.load", 8).op("f32x4.extract_lane", 1).op("f32.max").op("f32.store", 0);
    const exports = new host.Instance(new host.Module(module.encode())).exports as { memory: { buffer: ArrayBuffer }; apply(): void };
    new Float32Array(exports.memory.buffer, 0, 4).set([0.1, 2 ** 30, -3, 7]);
    exports.apply();
    expect([...new Float64Array(exports.memory.buffer, 16, 2)]).toEqual([2 * Math.fround(0.1), 2 ** 31]);
    expect([...new Float32Array(exports.memory.buffer, 32, 2)]).toEqual([Math.fround(2 * Math.fround(0.1) + 2 ** 31), 7]);
  });
});
