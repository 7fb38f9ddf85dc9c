import { describe, expect, it } from "vitest";
import { gruGates, lstmGates } from "../../runtime/activations/gates";
import { jsGruGates, jsLstmGates, type GruGates, type LstmGates } from "../../runtime/activations/js-gates";
import { SimdGates } from "../../runtime/activations/simd-gates";
import { addGateFunctions, WIDE } from "../../runtime/activations/gate-kernel";
import { ModuleBuilder } from "../../runtime/wasm/wasm-assembler";
import { compileKernel, instanceOf } from "../../runtime/wasm/instantiate";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { turnOnRelaxedSimd } from "../../runtime/wasm/relaxed-simd";
import { Random } from "../../runtime/random";
import { ulpOf } from "../support/ulp";

// An LSTM step's gate block, rows of i, f, c, o: σ on i, f and o and tanh on c; a GRU step's, rows of
// z, r, h: σ on z and r, h untouched. Checked against σ and tanh in float64 (Math.exp, Math.tanh)
// rounded to float32.

const sigmoid = (x: number): number => Math.fround(1 / (1 + Math.exp(-x)));
const tanh = (x: number): number => Math.fround(Math.tanh(x));

/** The function each float of a row of 4·units gets: tanh on the third quarter (c), σ elsewhere. */
const functionAt = (column: number, units: number) => (column >= 2 * units && column < 3 * units ? tanh : sigmoid);

/** count floats drawn in [-scale, scale]: gate values with floats before and after them. */
function randomFloats(random: Random, count: number, scale: number): Float32Array {
  return Float32Array.from({ length: count }, () => (random.uniform() * 2 - 1) * scale);
}

/** The largest error in float32 ulps of the reference over the gate values, and whether the floats around them were left alone. */
function check(gates: LstmGates, values: Float32Array, offset: number, rows: number, units: number): { ulps: number; untouched: boolean } {
  const out = values.slice();
  gates(out, offset, rows, units);
  let ulps = 0;
  let untouched = true;
  for (let i = 0; i < values.length; i++) {
    const at = i - offset;
    if (at < 0 || at >= rows * 4 * units) {
      untouched &&= Object.is(out[i], values[i]);
      continue;
    }
    const expected = functionAt(at % (4 * units), units)(values[i]!);
    ulps = Math.max(ulps, Math.abs(out[i]! - expected) / ulpOf(expected));
  }
  return { ulps, untouched };
}

const simd = SimdGates.create();

it("runs on WebAssembly SIMD in this Node, and gives way to JavaScript without WebAssembly", () => {
  expect(simd).not.toBeNull();
  expect(SimdGates.create(null)).toBeNull();
});

/**
 * The gate functions as gemm's module has them (several vectors a step, walk-kernel.ts; `fused`: by
 * relaxed_madd, as its build for a host with relaxed SIMD has them), in a module of their own: a block
 * of rows at the memory's start, gates of whole vectors only.
 */
function wideGates(fused = false): { lstmGates: LstmGates; gruGates: GruGates } {
  const module = new ModuleBuilder(16);
  addGateFunctions(module, WIDE, fused);
  // compiled where Node runs it, as gemm's module is (past a browser's limit for its main thread)
  const kernel = instanceOf<{
    memory: { buffer: ArrayBuffer };
    lstmGates(at: number, rows: number, units: number): void;
    gruGates(at: number, rows: number, units: number): void;
  }>(compileKernel(module.encode(), hostWasm(), false)!, hostWasm()!)!;
  const run = (width: number, gates: (at: number, rows: number, units: number) => void) => (values: Float32Array, offset: number, rows: number, units: number) => {
    if (units % 4 !== 0) throw new Error(`wideGates: units must be a multiple of 4, got ${units}`);
    const block = new Float32Array(kernel.memory.buffer, 0, rows * width * units);
    block.set(values.subarray(offset, offset + block.length));
    gates(0, rows, units);
    values.set(block, offset);
  };
  return { lstmGates: run(4, kernel.lstmGates), gruGates: run(3, kernel.gruGates) };
}
const wide = wideGates();
// turned on where Node has it behind a flag, as gemm does
const fusedWide = turnOnRelaxedSimd(hostWasm()!) ? wideGates(true) : null;
const wholeVectors = <G extends LstmGates | GruGates>(gates: G, fallback: G): G => ((values: Float32Array, offset: number, rows: number, units: number) => (units % 4 === 0 ? gates : fallback)(values, offset, rows, units)) as G;

// the SIMD tanh is the rational in float32 (within 7 ulps); the JavaScript one evaluates it in float64 (3)
const implementations: readonly (readonly [string, LstmGates, number])[] = [
  ["lstmGates (WebAssembly SIMD)", lstmGates, 7],
  ["SimdGates", simd?.lstmGates ?? jsLstmGates, 7],
  ["gemm's module's lstmGates (several vectors a step)", wholeVectors(wide.lstmGates, jsLstmGates), 7],
  ...(fusedWide ? ([["gemm's module's lstmGates by relaxed_madd", wholeVectors(fusedWide.lstmGates, jsLstmGates), 7]] as const) : []),
  ["jsLstmGates (the fallback)", jsLstmGates, 3],
];

describe.each(implementations)("%s", (_, gates, tanhUlps) => {
  it("applies σ to i, f, o and tanh to c in every row of a tape's slice, within a few float32 ulps, and leaves the floats around the slice alone", () => {
    const random = new Random(7);
    for (const [rows, units, scale] of [
      [64, 64, 12],
      [5, 8, 3],
      [4, 12, 5], // σ over 6 vectors and tanh over 3: a whole step of each and vectors left over
      [3, 4, 0.01],
      [2, 3, 6], // a width that is not a multiple of 4 floats
      [1, 1, 20],
    ] as const) {
      const offset = 4 * units * 2 + 1;
      const { ulps, untouched } = check(gates, randomFloats(random, offset + rows * 4 * units + 9, scale), offset, rows, units);
      expect(untouched).toBe(true);
      expect(ulps).toBeLessThanOrEqual(tanhUlps);
    }
  });

  it("gives σ(±∞) = 1 and 0, tanh(±∞) = ±1, tanh(-0) = -0, σ(0) = 0.5 and NaN for NaN", () => {
    const units = 4;
    const values = new Float32Array(4 * units);
    values.set([Infinity, -Infinity, NaN, 0], 0); // i
    values.set([-0, Infinity, -Infinity, NaN], 2 * units); // c
    gates(values, 0, 1, units);
    expect([...values.slice(0, 4)]).toEqual([1, 0, NaN, 0.5]);
    expect(Object.is(values[2 * units], -0)).toBe(true);
    expect([...values.slice(2 * units + 1, 2 * units + 4)]).toEqual([1, -1, NaN]);
  });
});

it("names what it expected of bad arguments", () => {
  const values = new Float32Array(32);
  expect(() => lstmGates(values, 1, 2, 4)).toThrow("lstmGates: values holds 32 floats, needs 33");
  expect(() => lstmGates(values, 0, 1, 0)).toThrow("lstmGates: units must be a positive integer, got 0");
  expect(() => lstmGates(values, -1, 1, 4)).toThrow("lstmGates: offset must be a non-negative integer, got -1");
  expect(() => lstmGates(values, 0, 1.5, 4)).toThrow("lstmGates: rows must be a non-negative integer, got 1.5");
});

const gruImplementations: readonly (readonly [string, GruGates])[] = [
  ["gruGates (WebAssembly SIMD)", gruGates],
  ["SimdGates", simd?.gruGates ?? jsGruGates],
  ["gemm's module's gruGates (several vectors a step)", wholeVectors(wide.gruGates, jsGruGates)],
  ...(fusedWide ? ([["gemm's module's gruGates by relaxed_madd", wholeVectors(fusedWide.gruGates, jsGruGates)]] as const) : []),
  ["jsGruGates (the fallback)", jsGruGates],
];

describe.each(gruImplementations)("%s", (_, gates) => {
  it("applies σ to z and r in every row of a tape's slice, within 2 float32 ulps, and leaves h and the floats around the slice alone", () => {
    const random = new Random(11);
    for (const [rows, units, scale] of [
      [64, 64, 12],
      [4, 12, 5], // σ over 6 vectors: a whole step and vectors left over
      [3, 4, 0.01],
      [2, 3, 6], // a width that is not a multiple of 4 floats
      [1, 1, 20],
    ] as const) {
      const offset = 3 * units + 2;
      const values = randomFloats(random, offset + rows * 3 * units + 7, scale);
      const out = values.slice();
      gates(out, offset, rows, units);
      let ulps = 0;
      for (let i = 0; i < values.length; i++) {
        const at = i - offset;
        const gate = at >= 0 && at < rows * 3 * units && at % (3 * units) < 2 * units;
        if (!gate) {
          expect(Object.is(out[i], values[i])).toBe(true);
          continue;
        }
        const expected = sigmoid(values[i]!);
        ulps = Math.max(ulps, Math.abs(out[i]! - expected) / ulpOf(expected));
      }
      expect(ulps).toBeLessThanOrEqual(2);
    }
  });
});

it("gruGates names what it expected of bad arguments", () => {
  expect(() => gruGates(new Float32Array(24), 1, 2, 4)).toThrow("gruGates: values holds 24 floats, needs 25");
});
