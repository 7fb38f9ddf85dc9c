import { describe, expect, it } from "vitest";
import { gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward, lstmGates, tanhRows, tanhRowsBackward } from "../../runtime/activations/gates";
import { jsGruCellBackward, jsGruCellForward, jsLstmCellBackward, jsLstmCellForward, jsLstmGates, jsTanhRows, jsTanhRowsBackward, type GruCellBackward, type GruCellForward, type LstmCellBackward, type LstmCellForward, type LstmGates, type TanhRows, type TanhRowsBackward } from "../../runtime/activations/js-gates";
import { SimdGates } from "../../runtime/activations/simd-gates";
import { Random } from "../../runtime/random";

// An LSTM step through its σ gates and tanh cell, forward and backward, checked against the step and
// its chain rule worked in float64 here from the same float32 inputs: z = x·K + h_{t-1}·R + b (the
// tape's block holding the two products), i, f, o = σ(z_i, z_f, z_o), g = tanh(z_c),
// c = f·c_{t-1} + i·g, a = tanh(c), h = o·a; a simpleRNN step's tanh(z + b) and its backward; a GRU step forward and backward.

const simd = SimdGates.create();

function uniform(random: Random, count: number, low: number, high: number): Float32Array {
  return Float32Array.from({ length: count }, () => low + random.uniform() * (high - low));
}

interface Tapes {
  gates: Float32Array;
  actC: Float32Array;
  c: Float32Array;
  dh: Float32Array;
  dc: Float32Array;
  dz: Float32Array;
}

/** Step-major tapes of `steps` steps of `rows` rows: gate values in (0, 1) (g in (-1, 1)), c in [-3, 3], a = tanh(c) as float32, dz filled with a marker. */
function tapes(random: Random, steps: number, rows: number, units: number): Tapes {
  const gates = uniform(random, steps * rows * 4 * units, 0.01, 0.99);
  for (let r = 0; r < steps * rows; r++) for (let u = 0; u < units; u++) gates[r * 4 * units + 2 * units + u] = 2 * gates[r * 4 * units + 2 * units + u]! - 1;
  const c = uniform(random, steps * rows * units, -3, 3);
  const actC = c.map((v) => Math.fround(Math.tanh(v)));
  return { gates, actC, c, dh: uniform(random, rows * units, -2, 2), dc: uniform(random, rows * units, -2, 2), dz: new Float32Array(steps * rows * 4 * units).fill(7) };
}

/** The float64 chain rule: dz of every gate at `step`, and the dc carried to c_{t-1}. */
function reference(t: Tapes, step: number, rows: number, units: number): { dz: Float64Array; dc: Float64Array } {
  const dz = new Float64Array(rows * 4 * units);
  const dcOut = new Float64Array(rows * units);
  for (let r = 0; r < rows; r++) {
    for (let u = 0; u < units; u++) {
      const g = (gate: number) => t.gates[(step * rows + r) * 4 * units + gate * units + u]!;
      const s = (step * rows + r) * units + u;
      const [i, f, cc, o] = [g(0), g(1), g(2), g(3)];
      const a = t.actC[s]!;
      const cPrev = step > 0 ? t.c[s - rows * units]! : 0;
      const dh = t.dh[r * units + u]!;
      const dc = t.dc[r * units + u]! + dh * o * (1 - a * a); // ∂h/∂c = o·tanh'(c)
      const at = r * 4 * units + u;
      dz[at] = dc * cc * i * (1 - i); // ∂c/∂i = g, σ' = σ(1 − σ)
      dz[at + units] = dc * cPrev * f * (1 - f); // ∂c/∂f = c_{t-1}
      dz[at + 2 * units] = dc * i * (1 - cc * cc); // ∂c/∂g = i, tanh' = 1 − tanh²
      dz[at + 3 * units] = dh * a * o * (1 - o); // ∂h/∂o = a
      dcOut[r * units + u] = dc * f; // ∂c/∂c_{t-1} = f
    }
  }
  return { dz, dc: dcOut };
}

const implementations: readonly (readonly [string, LstmCellBackward])[] = [
  ["lstmCellBackward (WebAssembly SIMD)", lstmCellBackward],
  ["SimdGates", simd?.lstmCellBackward ?? jsLstmCellBackward],
  ["jsLstmCellBackward (the fallback)", jsLstmCellBackward],
];

describe.each(implementations)("%s", (_, backward) => {
  it("gives each gate's dz and the carried dc of the float64 chain rule at steps 0, 1 and the last, and writes only the step's block of dz", () => {
    const random = new Random(5);
    for (const [steps, rows, units] of [
      [3, 64, 64],
      [4, 5, 8],
      [2, 3, 4],
      [3, 2, 3], // units not a multiple of 4
      [2, 1, 1],
    ] as const) {
      for (const step of [0, 1, steps - 1]) {
        const t = tapes(random, steps, rows, units);
        const expected = reference(t, step, rows, units);
        backward(t.gates, t.actC, t.c, t.dh, t.dc, t.dz, step, rows, units);
        const block = rows * 4 * units;
        let error = 0;
        let touchedOutside = 0;
        for (let k = 0; k < t.dz.length; k++) {
          const at = k - step * block;
          if (at < 0 || at >= block) touchedOutside += t.dz[k] === 7 ? 0 : 1;
          else error = Math.max(error, Math.abs(t.dz[k]! - expected.dz[at]!));
        }
        expect(touchedOutside).toBe(0);
        for (let k = 0; k < rows * units; k++) error = Math.max(error, Math.abs(t.dc[k]! - expected.dc[k]!));
        // every value is of order 1, a product of a few float32 roundings
        expect(error, `steps ${steps}, rows ${rows}, units ${units}, step ${step}`).toBeLessThan(2e-6);
      }
    }
  });
});

it("lstmCellBackward names what it expected of bad arguments", () => {
  const t = tapes(new Random(1), 2, 2, 4);
  expect(() => lstmCellBackward(t.gates, t.actC, t.c, t.dh, t.dc, t.dz, 2, 2, 4)).toThrow("lstmCellBackward: values holds 64 floats, needs 96");
  expect(() => lstmCellBackward(t.gates, t.actC, t.c, t.dh, t.dc, new Float32Array(40), 1, 2, 4)).toThrow("lstmCellBackward: dz holds 40 floats, needs 64");
  expect(() => lstmCellBackward(t.gates, t.actC.subarray(0, 9), t.c, t.dh, t.dc, t.dz, 1, 2, 4)).toThrow("lstmCellBackward: actC holds 9 floats, needs 16");
  expect(() => lstmCellBackward(t.gates, t.actC, t.c, t.dh.subarray(0, 7), t.dc, t.dz, 1, 2, 4)).toThrow("lstmCellBackward: dh holds 7 floats, needs 8");
  expect(() => lstmCellBackward(t.gates, t.actC, t.c, t.dh, t.dc, t.dz, -1, 2, 4)).toThrow("lstmCellBackward: step must be a non-negative integer, got -1");
  expect(() => lstmCellBackward(t.gates, t.actC, t.c, t.dh, t.dc, t.dz, 0, 2, 0)).toThrow("lstmCellBackward: units must be a positive integer, got 0");
});

// lstmGates with a bias: the bias is added to each row before the gate functions
const withBias: readonly (readonly [string, LstmGates])[] = [
  ["lstmGates (WebAssembly SIMD)", lstmGates],
  ["SimdGates", simd?.lstmGates ?? jsLstmGates],
  ["jsLstmGates (the fallback)", jsLstmGates],
];

describe.each(withBias)("%s with a bias", (_, gates) => {
  it("adds the bias to each row of the slice before σ and tanh, within a few float32 ulps of float64, and leaves the floats around the slice alone", () => {
    const random = new Random(9);
    for (const [rows, units] of [
      [64, 64],
      [3, 8],
      [2, 3],
      [1, 1],
    ] as const) {
      const offset = 4 * units + 3;
      const values = uniform(random, offset + rows * 4 * units + 5, -6, 6);
      const bias = uniform(random, 4 * units, -2, 2);
      const out = values.slice();
      gates(out, offset, rows, units, bias);
      let error = 0;
      let touchedOutside = 0;
      for (let k = 0; k < values.length; k++) {
        const at = k - offset;
        if (at < 0 || at >= rows * 4 * units) {
          touchedOutside += out[k] === values[k] ? 0 : 1;
          continue;
        }
        const column = at % (4 * units);
        const z = values[k]! + bias[column]!;
        const expected = column >= 2 * units && column < 3 * units ? Math.tanh(z) : 1 / (1 + Math.exp(-z));
        error = Math.max(error, Math.abs(out[k]! - expected));
      }
      expect(touchedOutside).toBe(0);
      // the float32 sum's rounding moves z by an ulp; σ' ≤ 1/4 and tanh' ≤ 1, so the result by less
      expect(error, `rows ${rows}, units ${units}`).toBeLessThan(2e-6);
    }
  });
});

it("lstmGates names a bias too short", () => {
  expect(() => lstmGates(new Float32Array(32), 0, 2, 4, new Float32Array(15))).toThrow("lstmGates: bias holds 15 floats, needs 16");
});

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const forwards: readonly (readonly [string, LstmCellForward])[] = [
  ["lstmCellForward (WebAssembly SIMD)", lstmCellForward],
  ["SimdGates", simd?.lstmCellForward ?? jsLstmCellForward],
  ["jsLstmCellForward (the fallback)", jsLstmCellForward],
];

describe.each(forwards)("%s", (_, forward) => {
  it("gives the gates, c_t, tanh(c_t) and h_t of the float64 step at steps 0, 1 and the last, with and without a bias, and writes only the step's blocks", () => {
    const random = new Random(13);
    for (const [steps, rows, units, withBias] of [
      [3, 64, 64, true],
      [4, 5, 8, false],
      [2, 3, 4, true],
      [3, 2, 3, true], // units not a multiple of 4
      [2, 1, 1, false],
    ] as const) {
      for (const step of [0, 1, steps - 1]) {
        const z = uniform(random, steps * rows * 4 * units, -5, 5);
        const cTape = uniform(random, steps * rows * units, -3, 3);
        const gates = z.slice();
        const c = cTape.slice();
        const actC = new Float32Array(steps * rows * units).fill(7);
        const h = new Float32Array(steps * rows * units).fill(7);
        const bias = withBias ? uniform(random, 4 * units, -1, 1) : null;
        forward(gates, c, actC, h, bias, step, rows, units);
        let error = 0;
        let touchedOutside = 0;
        for (let k = 0; k < z.length; k++) {
          const at = k - step * rows * 4 * units;
          if (at < 0 || at >= rows * 4 * units) touchedOutside += gates[k] === z[k] ? 0 : 1;
        }
        for (let k = 0; k < c.length; k++) {
          const at = k - step * rows * units;
          if (at < 0 || at >= rows * units) touchedOutside += (c[k] === cTape[k] ? 0 : 1) + (actC[k] === 7 ? 0 : 1) + (h[k] === 7 ? 0 : 1);
        }
        for (let r = 0; r < rows; r++) {
          for (let u = 0; u < units; u++) {
            const row = (step * rows + r) * 4 * units;
            const pre = (gate: number) => z[row + gate * units + u]! + (bias ? bias[gate * units + u]! : 0);
            const [i, f, g, o] = [sigmoid(pre(0)), sigmoid(pre(1)), Math.tanh(pre(2)), sigmoid(pre(3))];
            const s = (step * rows + r) * units + u;
            const cNew = f * (step > 0 ? cTape[s - rows * units]! : 0) + i * g;
            const a = Math.tanh(cNew);
            const got = [gates[row + u]!, gates[row + units + u]!, gates[row + 2 * units + u]!, gates[row + 3 * units + u]!, c[s]!, actC[s]!, h[s]!];
            [i, f, g, o, cNew, a, o * a].forEach((expected, n) => (error = Math.max(error, Math.abs(got[n]! - expected))));
          }
        }
        expect(touchedOutside).toBe(0);
        // values of order 1 through a few float32 roundings and tanh's rational (within 7 ulps)
        expect(error, `steps ${steps}, rows ${rows}, units ${units}, step ${step}`).toBeLessThan(4e-6);
      }
    }
  });
});

it("lstmCellForward names what it expected of bad arguments", () => {
  const gates = new Float32Array(64);
  const state = () => new Float32Array(16);
  expect(() => lstmCellForward(gates, state(), state(), state(), null, 2, 2, 4)).toThrow("lstmCellForward: values holds 64 floats, needs 96");
  expect(() => lstmCellForward(gates, state(), new Float32Array(12), state(), null, 1, 2, 4)).toThrow("lstmCellForward: actC holds 12 floats, needs 16");
  expect(() => lstmCellForward(gates, state(), state(), state(), new Float32Array(8), 1, 2, 4)).toThrow("lstmCellForward: bias holds 8 floats, needs 16");
  expect(() => lstmCellForward(gates, state(), state(), state(), null, 0, 1.5, 4)).toThrow("lstmCellForward: rows must be a non-negative integer, got 1.5");
});

// simpleRNN's step: tanh(z + b) over rows, in place
const tanhImplementations: readonly (readonly [string, TanhRows])[] = [
  ["tanhRows (WebAssembly SIMD)", tanhRows],
  ["SimdGates", simd?.tanhRows ?? jsTanhRows],
  ["jsTanhRows (the fallback)", jsTanhRows],
];

describe.each(tanhImplementations)("%s", (_, rowsTanh) => {
  it("adds the bias (when given) to each row of the slice, then tanh, within a few float32 ulps of float64, and leaves the floats around the slice alone", () => {
    const random = new Random(17);
    for (const [rows, units, withBias] of [
      [64, 32, true],
      [5, 8, false],
      [3, 4, true],
      [2, 3, true], // units not a multiple of 4
      [1, 1, false],
    ] as const) {
      const offset = 2 * units + 1;
      const values = uniform(random, offset + rows * units + 6, -4, 4);
      const bias = withBias ? uniform(random, units, -1, 1) : null;
      const out = values.slice();
      rowsTanh(out, offset, rows, units, bias);
      let error = 0;
      let touchedOutside = 0;
      for (let k = 0; k < values.length; k++) {
        const at = k - offset;
        if (at < 0 || at >= rows * units) touchedOutside += out[k] === values[k] ? 0 : 1;
        else error = Math.max(error, Math.abs(out[k]! - Math.tanh(values[k]! + (bias ? bias[at % units]! : 0))));
      }
      expect(touchedOutside).toBe(0);
      // the sum's rounding (tanh' ≤ 1) and the rational's 7 ulps
      expect(error, `rows ${rows}, units ${units}`).toBeLessThan(2e-6);
    }
  });
});

it("tanhRows names what it expected of bad arguments", () => {
  expect(() => tanhRows(new Float32Array(8), 1, 2, 4)).toThrow("tanhRows: values holds 8 floats, needs 9");
  expect(() => tanhRows(new Float32Array(8), 0, 2, 4, new Float32Array(3))).toThrow("tanhRows: bias holds 3 floats, needs 4");
  expect(() => tanhRows(new Float32Array(8), 0, 2, 0)).toThrow("tanhRows: units must be a positive integer, got 0");
});

// a GRU step, reset after the recurrent product (Keras 3's default)
const gruForwards: readonly (readonly [string, GruCellForward])[] = [
  ["gruCellForward (WebAssembly SIMD)", gruCellForward],
  ["SimdGates", simd?.gruCellForward ?? jsGruCellForward],
  ["jsGruCellForward (the fallback)", jsGruCellForward],
];

describe.each(gruForwards)("%s", (_, forward) => {
  it("gives z, r, h~, hr_h + b_rec and h_t of the float64 step at steps 0, 1 and the last, with and without a bias, and writes only the step's blocks", () => {
    const random = new Random(19);
    for (const [steps, rows, units, withBias] of [
      [3, 64, 64, true],
      [4, 5, 8, false],
      [2, 3, 4, true],
      [3, 2, 3, true], // units not a multiple of 4
      [2, 1, 1, false],
    ] as const) {
      const width = 3 * units;
      for (const step of [0, 1, steps - 1]) {
        const xk = uniform(random, steps * rows * width, -3, 3);
        const hr = uniform(random, rows * width, -3, 3);
        const hTape = uniform(random, steps * rows * units, -1, 1);
        const bias = withBias ? uniform(random, 2 * width, -1, 1) : null;
        const h = hTape.slice();
        const inner = new Float32Array(steps * rows * units).fill(7);
        const gates = new Float32Array(steps * rows * width).fill(7);
        const xkBefore = xk.slice();
        const hrBefore = hr.slice();
        forward(xk, hr, h, inner, gates, bias, step, rows, units);
        let touchedOutside = 0;
        for (let k = 0; k < gates.length; k++) {
          const at = k - step * rows * width;
          if (at < 0 || at >= rows * width) touchedOutside += gates[k] === 7 ? 0 : 1;
        }
        for (let k = 0; k < h.length; k++) {
          const at = k - step * rows * units;
          if (at < 0 || at >= rows * units) touchedOutside += (h[k] === hTape[k] ? 0 : 1) + (inner[k] === 7 ? 0 : 1);
        }
        let error = 0;
        const b = (j: number) => (bias ? bias[j]! : 0);
        for (let r = 0; r < rows; r++) {
          const row = (step * rows + r) * width;
          for (let u = 0; u < units; u++) {
            const z = sigmoid(xk[row + u]! + b(u) + hr[r * width + u]! + b(width + u));
            const rr = sigmoid(xk[row + units + u]! + b(units + u) + hr[r * width + units + u]! + b(width + units + u));
            const hrH = hr[r * width + 2 * units + u]! + b(width + 2 * units + u);
            const hh = Math.tanh(xk[row + 2 * units + u]! + b(2 * units + u) + rr * hrH);
            const s = (step * rows + r) * units + u;
            const hp = step > 0 ? hTape[s - rows * units]! : 0;
            const got = [gates[row + u]!, gates[row + units + u]!, gates[row + 2 * units + u]!, inner[s]!, h[s]!];
            [z, rr, hh, hrH, z * hp + (1 - z) * hh].forEach((expected, n) => (error = Math.max(error, Math.abs(got[n]! - expected))));
          }
        }
        expect(touchedOutside).toBe(0);
        expect([...xk]).toEqual([...xkBefore]);
        expect([...hr]).toEqual([...hrBefore]);
        // values of order 1 through a few float32 roundings and tanh's rational (within 7 ulps)
        expect(error, `steps ${steps}, rows ${rows}, units ${units}, step ${step}`).toBeLessThan(4e-6);
      }
    }
  });
});

it("gruCellForward names what it expected of bad arguments", () => {
  const block = () => new Float32Array(24);
  const state = () => new Float32Array(8);
  expect(() => gruCellForward(block(), block(), state(), state(), block(), null, 1, 2, 4)).toThrow("gruCellForward: xk holds 24 floats, needs 48");
  expect(() => gruCellForward(block(), new Float32Array(20), state(), state(), block(), null, 0, 2, 4)).toThrow("gruCellForward: hr holds 20 floats, needs 24");
  expect(() => gruCellForward(block(), block(), state(), new Float32Array(5), block(), null, 0, 2, 4)).toThrow("gruCellForward: inner holds 5 floats, needs 8");
  expect(() => gruCellForward(block(), block(), state(), state(), block(), new Float32Array(12), 0, 2, 4)).toThrow("gruCellForward: bias holds 12 floats, needs 24");
  expect(() => gruCellForward(block(), block(), state(), state(), block(), null, 0.5, 2, 4)).toThrow("gruCellForward: step must be a non-negative integer, got 0.5");
});

// simpleRNN's step backward: dz = dh · (1 − tanh²), tanh's derivative from its value
const tanhBackwards: readonly (readonly [string, TanhRowsBackward])[] = [
  ["tanhRowsBackward (WebAssembly SIMD)", tanhRowsBackward],
  ["SimdGates", simd?.tanhRowsBackward ?? jsTanhRowsBackward],
  ["jsTanhRowsBackward (the fallback)", jsTanhRowsBackward],
];

describe.each(tanhBackwards)("%s", (_, backward) => {
  it("gives dz = dh · (1 − h²) of float64 in the step's block at steps 0, 1 and the last, and writes nothing else", () => {
    const random = new Random(23);
    for (const [steps, rows, units] of [
      [3, 64, 32],
      [4, 5, 8],
      [3, 2, 3], // units not a multiple of 4
      [2, 1, 1],
    ] as const) {
      for (const step of [0, 1, steps - 1]) {
        const h = uniform(random, steps * rows * units, -1, 1);
        const dh = uniform(random, rows * units, -2, 2);
        const dz = new Float32Array(steps * rows * units).fill(7);
        backward(h, dh, dz, step, rows, units);
        let error = 0;
        let touchedOutside = 0;
        for (let k = 0; k < dz.length; k++) {
          const at = k - step * rows * units;
          if (at < 0 || at >= rows * units) touchedOutside += dz[k] === 7 ? 0 : 1;
          else error = Math.max(error, Math.abs(dz[k]! - dh[at]! * (1 - h[k]! * h[k]!)));
        }
        expect(touchedOutside).toBe(0);
        expect(error, `steps ${steps}, rows ${rows}, units ${units}, step ${step}`).toBeLessThan(1e-6);
      }
    }
  });
});

it("tanhRowsBackward names what it expected of bad arguments", () => {
  const tape = () => new Float32Array(16);
  expect(() => tanhRowsBackward(tape(), new Float32Array(8), tape(), 2, 2, 4)).toThrow("tanhRowsBackward: h holds 16 floats, needs 24");
  expect(() => tanhRowsBackward(tape(), new Float32Array(7), tape(), 1, 2, 4)).toThrow("tanhRowsBackward: dh holds 7 floats, needs 8");
  expect(() => tanhRowsBackward(tape(), new Float32Array(8), new Float32Array(12), 1, 2, 4)).toThrow("tanhRowsBackward: dz holds 12 floats, needs 16");
});

// the GRU step's backward: h = z·h_{t-1} + (1 − z)·h~, h~ = tanh(x_h + r·inner), z and r σ of theirs
const gruBackwards: readonly (readonly [string, GruCellBackward])[] = [
  ["gruCellBackward (WebAssembly SIMD)", gruCellBackward],
  ["SimdGates", simd?.gruCellBackward ?? jsGruCellBackward],
  ["jsGruCellBackward (the fallback)", jsGruCellBackward],
];

describe.each(gruBackwards)("%s", (_, backward) => {
  it("gives each gate's dz, dhr and the direct dh_{t-1} of the float64 chain rule at steps 0, 1 and the last, and writes only the step's block of dz", () => {
    const random = new Random(29);
    for (const [steps, rows, units] of [
      [3, 64, 64],
      [4, 5, 8],
      [3, 2, 3], // units not a multiple of 4
      [2, 1, 1],
    ] as const) {
      const width = 3 * units;
      for (const step of [0, 1, steps - 1]) {
        const gates = uniform(random, steps * rows * width, 0.01, 0.99);
        for (let r = 0; r < steps * rows; r++) for (let u = 0; u < units; u++) gates[r * width + 2 * units + u] = 2 * gates[r * width + 2 * units + u]! - 1;
        const inner = uniform(random, steps * rows * units, -3, 3);
        const h = uniform(random, steps * rows * units, -1, 1);
        const dhIn = uniform(random, rows * units, -2, 2);
        const dh = dhIn.slice();
        const dz = new Float32Array(steps * rows * width).fill(7);
        const dhr = new Float32Array(rows * width).fill(7);
        backward(gates, inner, h, dh, dz, dhr, step, rows, units);
        let error = 0;
        let touchedOutside = 0;
        for (let k = 0; k < dz.length; k++) {
          const at = k - step * rows * width;
          if (at < 0 || at >= rows * width) touchedOutside += dz[k] === 7 ? 0 : 1;
        }
        for (let r = 0; r < rows; r++) {
          const row = (step * rows + r) * width;
          for (let u = 0; u < units; u++) {
            const s = (step * rows + r) * units + u;
            const [z, rr, hh] = [gates[row + u]!, gates[row + units + u]!, gates[row + 2 * units + u]!];
            const hp = step > 0 ? h[s - rows * units]! : 0;
            const d = dhIn[r * units + u]!;
            const dzz = d * (hp - hh) * z * (1 - z); // ∂h/∂z = h_{t-1} − h~, σ' = σ(1 − σ)
            const dzh = d * (1 - z) * (1 - hh * hh); // ∂h/∂h~ = 1 − z, tanh' = 1 − tanh²
            const dzr = dzh * inner[s]! * rr * (1 - rr); // ∂h~'s input/∂r = inner
            const got = [dz[row + u]!, dz[row + units + u]!, dz[row + 2 * units + u]!, dhr[r * width + u]!, dhr[r * width + units + u]!, dhr[r * width + 2 * units + u]!, dh[r * units + u]!];
            [dzz, dzr, dzh, dzz, dzr, dzh * rr, d * z].forEach((expected, n) => (error = Math.max(error, Math.abs(got[n]! - expected))));
          }
        }
        expect(touchedOutside).toBe(0);
        expect(error, `steps ${steps}, rows ${rows}, units ${units}, step ${step}`).toBeLessThan(2e-6);
      }
    }
  });
});

it("gruCellBackward names what it expected of bad arguments", () => {
  const block = () => new Float32Array(24);
  const state = () => new Float32Array(8);
  expect(() => gruCellBackward(block(), state(), state(), state(), block(), block(), 1, 2, 4)).toThrow("gruCellBackward: gates holds 24 floats, needs 48");
  expect(() => gruCellBackward(block(), state(), state(), state(), new Float32Array(20), block(), 0, 2, 4)).toThrow("gruCellBackward: dz holds 20 floats, needs 24");
  expect(() => gruCellBackward(block(), state(), state(), state(), block(), new Float32Array(23), 0, 2, 4)).toThrow("gruCellBackward: dhr holds 23 floats, needs 24");
  expect(() => gruCellBackward(block(), state(), state(), new Float32Array(3), block(), block(), 0, 2, 4)).toThrow("gruCellBackward: dh holds 3 floats, needs 8");
});
