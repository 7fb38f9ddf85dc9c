import { describe, expect, it } from "vitest";
import { crossentropyGradient } from "../../runtime/rows/crossentropy-gradient";
import { crossentropyLoss } from "../../runtime/rows/crossentropy-loss";
import { jsCrossentropyGradient, jsRowSums, jsSumColumns, type CrossentropyGradient, type RowSums, type SumColumns } from "../../runtime/rows/js-rows";
import { rowsKernelModule } from "../../runtime/rows/rows-kernel";
import { SimdRows } from "../../runtime/rows/simd-rows";
import { sumColumns } from "../../runtime/rows/sum-columns";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { Random } from "../../runtime/random";

const simd = SimdRows.create();

function randomFloats(random: Random, count: number, scale: number): Float32Array {
  return Float32Array.from({ length: count }, () => (random.uniform() * 2 - 1) * scale);
}

/** Rows of probabilities (positive, each row summing to about 1) and the targets of the kind. */
function problem(random: Random, rows: number, width: number, kind: "classIds" | "oneHot") {
  const p = Float32Array.from({ length: rows * width }, () => (random.uniform() * 2) / width);
  const ids = Array.from({ length: rows }, () => Math.floor(random.uniform() * width));
  const targets = kind === "classIds" ? Float32Array.from(ids) : new Float32Array(rows * width);
  if (kind === "oneHot") ids.forEach((id, r) => (targets[r * width + id] = 1));
  return { p, ids, targets };
}

it("runs on WebAssembly SIMD in this Node", () => {
  expect(simd).not.toBeNull();
});

describe.each([
  ["crossentropyGradient (WebAssembly SIMD)", crossentropyGradient],
  ["SimdRows", simd?.crossentropyGradient ?? jsCrossentropyGradient],
  ["jsCrossentropyGradient (the fallback)", jsCrossentropyGradient],
] as const)("%s", (_, gradient: CrossentropyGradient) => {
  it.each(["classIds", "oneHot"] as const)("is (p − y) / rows in float64 to within two float32 roundings, for widths 1 to 9, 64 and 5001 (%s)", (kind) => {
    const random = new Random(kind === "oneHot" ? 11 : 12);
    for (const width of [1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 5001]) {
      for (const rows of [1, 3, 128]) {
        const { p, ids, targets } = problem(random, rows, width, kind);
        const d = new Float32Array(rows * width);
        gradient(p, targets, d, rows, width, kind);
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < width; j++) {
            const i = r * width + j;
            const y = j === ids[r] ? 1 : 0;
            const expected = (p[i]! - y) / rows;
            worst = Math.max(worst, Math.abs(d[i]! - expected) / ((2 * 2 ** -24 * (p[i]! + y)) / rows));
          }
        }
        expect(worst, `width ${width}, rows ${rows}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it.each(["classIds", "oneHot"] as const)("reads views at offsets and writes only the first rows·width floats of d (%s)", (kind) => {
    const random = new Random(13);
    const [rows, width] = [3, 7];
    const { p, targets } = problem(random, rows + 1, width, kind);
    const pView = Float32Array.from([9, ...p]).subarray(1);
    const targetsView = Float32Array.from([5, 5, ...targets]).subarray(2);
    const expected = new Float32Array(rows * width);
    gradient(p.slice(0, rows * width), targets.slice(0, kind === "oneHot" ? rows * width : rows), expected, rows, width, kind);
    const d = new Float32Array(rows * width + 5).fill(-7.25);
    gradient(pView, targetsView, d, rows, width, kind);
    expect([...d.subarray(0, rows * width)]).toEqual([...expected]);
    expect([...d.subarray(rows * width)]).toEqual(new Array(5).fill(-7.25));
    gradient(p, targets, d, 0, width, kind);
    expect([...d.subarray(0, rows * width)]).toEqual([...expected]);
  });
});

/** Column j's sum in float64, from row 0 down. */
function columnTotal(x: Float32Array, rows: number, width: number, j: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) total += x[r * width + j]!;
  return total;
}

/** Each column's sum in float64, from row 0 down, rounded to float32 once. */
const referenceSums = (x: Float32Array, rows: number, width: number): number[] => Array.from({ length: width }, (_, j) => Math.fround(columnTotal(x, rows, width, j)));

describe.each([
  ["sumColumns (WebAssembly SIMD)", sumColumns],
  ["SimdRows", simd?.sumColumns ?? jsSumColumns],
  ["jsSumColumns (the fallback)", jsSumColumns],
] as const)("%s", (_, sum: SumColumns) => {
  it("is each column's float64 sum from row 0 down, rounded once, for widths 1 to 9, 64 and 5001 and 0 to 130 rows", () => {
    const random = new Random(14);
    for (const width of [1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 5001]) {
      for (const rows of [0, 1, 5, 130]) {
        const x = randomFloats(random, rows * width, 1e3);
        const sums = new Float32Array(width).fill(NaN);
        sum(x, sums, rows, width, "set");
        expect([...sums], `width ${width}, rows ${rows}`).toEqual(referenceSums(x, rows, width));
      }
    }
  });

  it("adds to the sums in mode add, reads views at offsets and only the first width sums and rows·width floats", () => {
    const random = new Random(15);
    const [rows, width] = [6, 11];
    const x = randomFloats(random, rows * width + 3, 10);
    const view = x.subarray(3);
    const before = randomFloats(random, width + 2, 10);
    const sums = before.slice();
    sum(view, sums, rows - 1, width, "add");
    const expected = Array.from({ length: width }, (_, j) => Math.fround(before[j]! + columnTotal(view, rows - 1, width, j)));
    expect([...sums.subarray(0, width)]).toEqual(expected);
    expect([...sums.subarray(width)]).toEqual([...before.subarray(width)]);
  });
});

describe.each([
  ["SimdRows", simd?.rowSums ?? jsRowSums],
  ["jsRowSums (the fallback)", jsRowSums],
] as const)("%s.rowSums", (_, rowSums: RowSums) => {
  it("is each row's float64 sum to within 1e-15 of the row's absolute sum, for widths 1 to 9, 64 and 5001; rows at an offset; 0 rows", () => {
    const random = new Random(16);
    for (const width of [1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 5001]) {
      const x = randomFloats(random, 5 * width + 2, 100).subarray(2);
      const sums = [...rowSums(x, 5, width)];
      expect(sums.length).toBe(5);
      sums.forEach((sum, r) => {
        const row = [...x.subarray(r * width, (r + 1) * width)];
        const exact = row.reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - exact), `width ${width}, row ${r}`).toBeLessThanOrEqual(1e-15 * row.reduce((a, b) => a + Math.abs(b), 0));
      });
    }
    expect(rowSums(new Float32Array(4), 0, 4).length).toBe(0);
  });
});

/** Keras' categorical cross-entropy in float64: q = p / Σp clipped to [1e-7, 1 − 1e-7], the mean of −Σ y log q. */
function referenceLoss(p: Float32Array, y: (r: number, j: number) => number, rows: number, width: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < width; j++) sum += p[r * width + j]!;
    for (let j = 0; j < width; j++) total -= y(r, j) * Math.log(Math.min(Math.max(p[r * width + j]! / sum, 1e-7), 1 - 1e-7));
  }
  return total / rows;
}

describe("crossentropyLoss", () => {
  it("is Keras' mean categorical cross-entropy to within 1e-12 relatively, for class ids and one-hot (or smoothed) rows, widths 3 to 5001", () => {
    const random = new Random(17);
    for (const width of [3, 5, 64, 5001]) {
      const { p, ids, targets } = problem(random, 9, width, "classIds");
      const oneHot = referenceLoss(p, (r, j) => (j === ids[r] ? 1 : 0), 9, width);
      expect(Math.abs(crossentropyLoss(p, targets, 9, width, "classIds") / oneHot - 1), `width ${width}`).toBeLessThan(1e-12);
      const smoothed = Float32Array.from({ length: 9 * width }, (_, i) => (i % width === ids[Math.floor(i / width)] ? 0.9 : 0) + 0.1 / width);
      const expected = referenceLoss(p, (r, j) => smoothed[r * width + j]!, 9, width);
      expect(Math.abs(crossentropyLoss(p, smoothed, 9, width, "oneHot") / expected - 1), `width ${width}`).toBeLessThan(1e-12);
    }
  });

  it("clips q: a probability of 0 costs −log 1e-7, a certain one −log(1 − 1e-7); NaN in a row gives NaN", () => {
    const p = Float32Array.from([0, 1, 1, 0]);
    expect(crossentropyLoss(p, Float32Array.from([0, 0]), 2, 2, "classIds")).toBeCloseTo((-Math.log(1e-7) - Math.log(1 - 1e-7)) / 2, 12);
    expect(crossentropyLoss(Float32Array.from([NaN, 1, 0.5, 0.5]), Float32Array.from([1, 0]), 2, 2, "classIds")).toBeNaN();
  });
});

describe("bad arguments", () => {
  const x = new Float32Array(8);
  it("crossentropyGradient rejects counts that are not counts, short arrays, unknown target kinds and class ids outside the row", () => {
    expect(() => crossentropyGradient(x, x, x, -1, 4, "oneHot")).toThrow(new RangeError("crossentropyGradient: rows must be a non-negative integer, got -1"));
    expect(() => crossentropyGradient(x, x, x, 2, 0, "oneHot")).toThrow("crossentropyGradient: width must be a positive integer, got 0");
    expect(() => crossentropyGradient(x, x, x, 2, 4, "ids" as "oneHot")).toThrow('crossentropyGradient: the targets must be "classIds" or "oneHot", got "ids"');
    expect(() => crossentropyGradient(x.subarray(1), x, x, 2, 4, "oneHot")).toThrow("crossentropyGradient: p holds 7 floats, needs 8");
    expect(() => crossentropyGradient(x, x, x.subarray(2), 2, 4, "oneHot")).toThrow("crossentropyGradient: d holds 6 floats, needs 8");
    expect(() => crossentropyGradient(x, x.subarray(1), x, 2, 4, "oneHot")).toThrow("crossentropyGradient: targets holds 7 floats, needs 8");
    expect(() => crossentropyGradient(x, new Float32Array(1), x, 2, 4, "classIds")).toThrow("crossentropyGradient: targets holds 1 floats, needs 2");
    expect(() => crossentropyGradient(x, Float32Array.from([0, 4]), x, 2, 4, "classIds")).toThrow("crossentropyGradient: class id 4 (row 1) is outside [0, 4)");
    expect(() => crossentropyGradient(x, Float32Array.from([1.5, 0]), x, 2, 4, "classIds")).toThrow("crossentropyGradient: class id 1.5 (row 0) is outside [0, 4)");
  });

  it("crossentropyLoss rejects what crossentropyGradient does, under its own name", () => {
    expect(() => crossentropyLoss(x, x, 2.5, 4, "oneHot")).toThrow(new RangeError("crossentropyLoss: rows must be a non-negative integer, got 2.5"));
    expect(() => crossentropyLoss(x.subarray(1), x, 2, 4, "oneHot")).toThrow("crossentropyLoss: p holds 7 floats, needs 8");
    expect(() => crossentropyLoss(x, Float32Array.from([-1, 0]), 2, 4, "classIds")).toThrow("crossentropyLoss: class id -1 (row 0) is outside [0, 4)");
  });

  it("sumColumns rejects counts that are not counts, short arrays and unknown modes", () => {
    expect(() => sumColumns(x, x, 1.5, 4, "set")).toThrow(new RangeError("sumColumns: rows must be a non-negative integer, got 1.5"));
    expect(() => sumColumns(x, x, 2, -4, "set")).toThrow("sumColumns: width must be a positive integer, got -4");
    expect(() => sumColumns(x, x, 2, 4, "=" as "set")).toThrow('sumColumns: mode must be "set" or "add", got "="');
    expect(() => sumColumns(x.subarray(1), x, 2, 4, "set")).toThrow("sumColumns: x holds 7 floats, needs 8");
    expect(() => sumColumns(x, x.subarray(5), 2, 4, "add")).toThrow("sumColumns: sums holds 3 floats, needs 4");
  });
});

describe("the wide-rows module", () => {
  it("is one the host validates, small enough for a browser to compile synchronously (4 KB); SimdRows.create gives null without WebAssembly", () => {
    const bytes = rowsKernelModule();
    expect(hostWasm()!.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(4096);
    expect(SimdRows.create(null)).toBeNull();
  });
});
