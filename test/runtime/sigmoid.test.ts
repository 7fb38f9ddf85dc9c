import { describe, expect, it } from "vitest";
import { jsSigmoidInPlace, type SigmoidInPlace } from "../../runtime/activations/js-sigmoid";
import { sigmoidInPlace } from "../../runtime/activations/sigmoid";
import { sigmoidKernelModule, STEP_FLOATS } from "../../runtime/activations/sigmoid-kernel";
import { SimdSigmoid } from "../../runtime/activations/simd-sigmoid";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { i32Params, ModuleBuilder, type InstructionName } from "../../runtime/wasm/wasm-assembler";
import { Random } from "../../runtime/random";
import { ulpOf } from "../support/ulp";

/** σ in float64, rounded to float32: what the results are compared with. */
const reference = (x: number): number => Math.fround(1 / (1 + Math.exp(-x)));

const bitsOf = (values: Float32Array): Uint32Array => new Uint32Array(values.slice().buffer);

/** σ of each of xs, computed in one call. */
function run(sigmoid: SigmoidInPlace, xs: ArrayLike<number>): Float32Array {
  const values = Float32Array.from(xs);
  sigmoid(values, values.length);
  return values;
}

/** The largest error, in float32 ulps of the reference, over xs in [-80, 80]. */
function maxUlpError(sigmoid: SigmoidInPlace, xs: Float32Array): { ulps: number; at: number } {
  const results = run(sigmoid, xs);
  let worst = { ulps: 0, at: NaN };
  for (let i = 0; i < xs.length; i++) {
    const expected = reference(xs[i]!);
    const ulps = Math.abs(results[i]! - expected) / ulpOf(expected);
    if (!(ulps <= worst.ulps)) worst = { ulps, at: xs[i]! };
  }
  return worst;
}

function randomFloats(random: Random, count: number, scale: number): Float32Array {
  return Float32Array.from({ length: count }, () => (random.uniform() * 2 - 1) * scale);
}

const simd = SimdSigmoid.create();

const implementations: readonly (readonly [string, SigmoidInPlace])[] = [
  ["sigmoidInPlace (WebAssembly SIMD)", sigmoidInPlace],
  ["SimdSigmoid", simd?.sigmoidInPlace ?? jsSigmoidInPlace],
  ["jsSigmoidInPlace (the fallback)", jsSigmoidInPlace],
];

it("runs on WebAssembly SIMD in this Node", () => {
  expect(simd).not.toBeNull();
});

describe.each(implementations)("%s", (_, sigmoid) => {
  it("is within 2 float32 ulps of σ in float64 on a dense sweep of [-80, 80]", () => {
    const points = 200_001;
    const xs = Float32Array.from({ length: points }, (_, i) => -80 + (160 * i) / (points - 1));
    expect(maxUlpError(sigmoid, xs).ulps).toBeLessThanOrEqual(2);
  });

  it("is within 2 float32 ulps of σ in float64 on random values", () => {
    const random = new Random(1);
    for (const scale of [1, 8, 20, 80]) expect(maxUlpError(sigmoid, randomFloats(random, 50_000, scale)).ulps).toBeLessThanOrEqual(2);
  });

  it("is within 1e-30 of σ in float64 beyond ±80, up to the largest floats", () => {
    const magnitudes = Array.from({ length: 2000 }, (_, i) => Math.fround(80 * 2 ** ((i + 1) * 0.0605)));
    magnitudes.push(80.00001, 87, 87.5, 88, 88.5, 89, 3.4028234663852886e38);
    const xs = [...magnitudes, ...magnitudes.map((m) => -m)];
    const results = run(sigmoid, xs);
    xs.forEach((x, i) => expect(Math.abs(results[i]! - 1 / (1 + Math.exp(-x)))).toBeLessThanOrEqual(1e-30));
  });

  it("gives σ(+∞) = 1, σ(-∞) = 0, σ(±0) = 0.5 exactly, and NaN for NaN", () => {
    expect([...run(sigmoid, [Infinity, -Infinity, 0, -0, NaN])]).toEqual([1, 0, 0.5, 0.5, NaN]);
  });

  it("gives NaN for a NaN in every position of counts 1 to 9 (each lane and the tail), without touching its neighbours' results", () => {
    const random = new Random(2);
    for (let count = 1; count <= 9; count++) {
      const xs = randomFloats(random, count, 10);
      const clean = bitsOf(run(sigmoid, xs));
      for (let position = 0; position < count; position++) {
        const withNaN = xs.slice();
        withNaN[position] = NaN;
        const results = run(sigmoid, withNaN);
        for (let i = 0; i < count; i++) {
          if (i === position) expect(results[i], `count ${count}, NaN at ${position}`).toBeNaN();
          else expect(bitsOf(results)[i], `count ${count}, NaN at ${position}, element ${i}`).toBe(clean[i]);
        }
      }
    }
  });

  it("gives a float the bit-identical result at every position 0..7, in counts 1..9", () => {
    const random = new Random(3);
    const filler = randomFloats(random, 9, 5);
    for (const x of [0.3, -5.75, 13.2, -40.1, 1e-3, -87.5, ...randomFloats(random, 6, 30)]) {
      const alone = bitsOf(run(sigmoid, [x]))[0];
      for (let count = 1; count <= 9; count++) {
        for (let position = 0; position < Math.min(count, 8); position++) {
          const xs = filler.slice(0, count);
          xs[position] = x;
          expect(bitsOf(run(sigmoid, xs))[position], `σ(${x}) at ${position} of ${count}`).toBe(alone);
        }
      }
    }
  });

  it("leaves the floats from count on untouched, and does nothing for count 0", () => {
    const random = new Random(4);
    for (const count of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 100]) {
      const before = randomFloats(random, count + 11, 10);
      const values = before.slice();
      sigmoid(values, count);
      expect(bitsOf(values.subarray(count)), `count ${count}`).toEqual(bitsOf(before.subarray(count)));
      for (let i = 0; i < count; i++) expect(values[i]).not.toBe(before[i]);
    }
  });

  it("works on subarray views at any offset, and on buffers longer than count whose count changes from call to call", () => {
    const random = new Random(5);
    const xs = randomFloats(random, 40, 10);
    const expected = run(sigmoid, xs);
    const whole = new Float32Array(45).fill(-7.25);
    for (const count of [33, 40, 5, 33, 40]) {
      whole.set(xs, 3);
      const view = whole.subarray(3, 44);
      sigmoid(view, count);
      expect(bitsOf(whole.subarray(3, 3 + count))).toEqual(bitsOf(expected.subarray(0, count)));
      expect([...whole.subarray(0, 3), ...whole.subarray(3 + count, 43), ...whole.subarray(43)]).toEqual([-7.25, -7.25, -7.25, ...xs.subarray(count), -7.25, -7.25]);
    }
  });

  it("is deterministic: the same input gives a bit-identical output, whatever ran before", () => {
    const random = new Random(6);
    const xs = randomFloats(random, 13, 30);
    const first = bitsOf(run(sigmoid, xs));
    run(sigmoid, randomFloats(random, 100_003, 90)); // grows the scratch memory, leaves other floats past count
    expect(bitsOf(run(sigmoid, xs))).toEqual(first);
    run(sigmoid, [NaN, Infinity, -Infinity, 1e-45, -1e-45, 3e38, -3e38, 0, -0, 1, 2, 3, 4, 5, 6, 7]);
    expect(bitsOf(run(sigmoid, xs))).toEqual(first);
  });
});

describe("jsSigmoidInPlace", () => {
  it("is σ in float64 rounded to float32", () => {
    const xs = randomFloats(new Random(7), 1000, 20);
    expect([...run(jsSigmoidInPlace, xs)]).toEqual([...xs].map(reference));
  });
});

describe("sigmoidInPlace", () => {
  it("rejects a count that is not a non-negative integer, and an array too short for it", () => {
    const values = new Float32Array(8);
    expect(() => sigmoidInPlace(values, -1)).toThrow(new RangeError("sigmoidInPlace: count must be a non-negative integer, got -1"));
    expect(() => sigmoidInPlace(values, 2.5)).toThrow("sigmoidInPlace: count must be a non-negative integer, got 2.5");
    expect(() => sigmoidInPlace(values, NaN)).toThrow("sigmoidInPlace: count must be a non-negative integer, got NaN");
    expect(() => sigmoidInPlace(values.subarray(1), 8)).toThrow(new RangeError("sigmoidInPlace: values holds 7 floats, needs 8"));
  });
});

describe("SimdSigmoid.create", () => {
  it("gives null (so sigmoidInPlace falls back to JavaScript) without WebAssembly; instantiateKernel's tests cover the other refusals", () => {
    expect(SimdSigmoid.create(null)).toBeNull();
    expect(SimdSigmoid.create()).not.toBeNull();
  });
});

describe("the sigmoid module", () => {
  it("is one the host validates, small enough for a browser to compile synchronously on its main thread (4 KB)", () => {
    const bytes = sigmoidKernelModule();
    expect(hostWasm()!.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(4096);
    expect(STEP_FLOATS % 4).toBe(0);
  });
});

describe("the wasm assembler's SIMD instructions", () => {
  type Lanes = readonly [number, number, number, number];

  type LaneType = "f32" | "i32";
  const host = hostWasm()!;
  const instantiate = (bytes: Uint8Array): unknown => new host.Instance(new host.Module(bytes)).exports;
  const lanesOf = (type: LaneType, buffer: ArrayBuffer, at: number, count: number): Float32Array | Int32Array =>
    type === "f32" ? new Float32Array(buffer, at, count) : new Int32Array(buffer, at, count);

  /** The instruction applied to vector a and vector b (or to a alone, or to a and the scalar 3); lanes read as `from`, written as `to`. */
  function apply(name: InstructionName, operands: "unary" | "binary" | "shift", from: LaneType, to: LaneType, a: Lanes, b: Lanes = [0, 0, 0, 0]): number[] {
    const module = new ModuleBuilder(1);
    const f = module.function("apply", i32Params(), [], true);
    f.i32(32).i32(0).op("v128.load", 0);
    if (operands === "binary") f.i32(0).op("v128.load", 16);
    if (operands === "shift") f.i32(3);
    f.op(name).op("v128.store", 0);
    const bytes = module.encode();
    expect(hostWasm()!.validate(bytes), name).toBe(true);
    const exports = instantiate(bytes) as { memory: { buffer: ArrayBuffer }; apply(): void };
    lanesOf(from, exports.memory.buffer, 0, 8).set([...a, ...b]);
    exports.apply();
    return [...lanesOf(to, exports.memory.buffer, 32, 4)];
  }

  const a = [1.5, -2.5, NaN, 0] as const;
  const b = [0.5, NaN, 3, -0] as const;

  it.each([
    ["f32x4.add", [2, NaN, NaN, 0]],
    ["f32x4.sub", [1, NaN, NaN, 0]],
    ["f32x4.mul", [0.75, NaN, NaN, -0]],
    ["f32x4.div", [3, NaN, NaN, NaN]],
    ["f32x4.min", [0.5, NaN, NaN, -0]],
    ["f32x4.max", [1.5, NaN, NaN, 0]],
    ["f32x4.pmin", [0.5, -2.5, NaN, 0]],
    ["f32x4.pmax", [1.5, -2.5, NaN, 0]],
  ] as const)("%s on float lanes", (name, expected) => {
    expect(apply(name, "binary", "f32", "f32", a, b)).toEqual(expected);
  });

  it.each([
    ["f32x4.neg", "f32", [-2.5, -0, 2.5, NaN], [2.5, 0, -2.5, NaN]],
    ["f32x4.nearest", "f32", [2.5, 3.5, -2.5, -0.75], [2, 4, -2, -1]],
    ["i32x4.trunc_sat_f32x4_s", "i32", [2.75, -3.75, NaN, 3e9], [2, -3, 0, 2147483647]],
  ] as const)("%s on float lanes", (name, to, input, expected) => {
    expect(apply(name, "unary", "f32", to, input)).toEqual(expected);
  });

  it("i32x4 add, sub, shl and splat, f32x4 splat, f32.const", () => {
    expect(apply("i32x4.add", "binary", "i32", "i32", [1, -2, 2147483647, 5], [10, 20, 1, -5])).toEqual([11, 18, -2147483648, 0]);
    expect(apply("i32x4.sub", "binary", "i32", "i32", [1, -2, -2147483648, 5], [10, 20, 1, -5])).toEqual([-9, -22, 2147483647, 10]);
    expect(apply("i32x4.shl", "shift", "i32", "i32", [1, -1, 0x30000000, 5])).toEqual([8, -8, -2147483648, 40]);
    const module = new ModuleBuilder(1);
    const f = module.function("splats", i32Params(), [], true);
    f.i32(0).op("f32.const", 0.1).op("f32x4.splat").op("v128.store", 0);
    f.i32(16).i32(-7).op("i32x4.splat").op("v128.store", 0);
    const exports = instantiate(module.encode()) as { memory: { buffer: ArrayBuffer }; splats(): void };
    exports.splats();
    expect([...new Float32Array(exports.memory.buffer, 0, 4)]).toEqual(new Array(4).fill(Math.fround(0.1)));
    expect([...new Int32Array(exports.memory.buffer, 16, 4)]).toEqual([-7, -7, -7, -7]);
  });
});
