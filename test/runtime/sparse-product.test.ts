import { describe, expect, it } from "vitest";
import { sparseProduct, sparseWeightGradient, type GradientStart } from "../../runtime/sparse/sparse-product";
import { SparseMemory } from "../../runtime/sparse/sparse-memory";
import { weightStore } from "../../runtime/weight-store";
import { Random } from "../../runtime/random";

// The products of a dense layer fed compressed sparse rows, on both paths: WebAssembly SIMD (the
// kernel and its gradient in a SparseMemory, widths a multiple of 16) and plain JavaScript (any other
// arrays or widths), each against a float64 reference worked out from the dense rows; and zeroing
// only the rows the previous batch wrote against zeroing the whole gradient, bit for bit.

interface Csr {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
  /** The same rows, dense, [rows x columns]. */
  readonly dense: Float64Array;
}

/** Rows of `columns` features with about `perRow` distinct non-zeros each (some rows empty), values in [-2, 2). */
function randomCsr(random: Random, rows: number, columns: number, perRow: number): Csr {
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const dense = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const count = r % 5 === 3 ? 0 : Math.floor(random.uniform() * 2 * perRow);
    const picked = new Set<number>();
    for (let i = 0; i < count; i++) picked.add(Math.floor(random.uniform() * columns));
    for (const c of [...picked].sort((a, b) => a - b)) {
      const v = Math.fround(random.uniform() * 4 - 2);
      indices.push(c), values.push(v), (dense[r * columns + c] = v);
    }
    indptr[r + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values), dense };
}

function randomFloats(random: Random, count: number): Float32Array {
  return Float32Array.from({ length: count }, () => random.uniform() * 2 - 1);
}

/** Kernel [columns x n], bias [n] and their gradients: in a SparseMemory (the WebAssembly path) or plain arrays. */
function layer(columns: number, n: number, wasm: boolean) {
  const sizes = [columns * n, n];
  if (!wasm) return { weights: sizes.map((s) => new Float32Array(s)), grads: sizes.map((s) => new Float32Array(s)) };
  const memory = SparseMemory.create(columns * n + n, columns * n + n, columns);
  if (!memory) throw new Error("this test needs WebAssembly SIMD (Node 16.4 or later)");
  return { weights: weightStore(sizes, memory.weights), grads: weightStore(sizes, memory.grads) };
}

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

/** bias + x · kernel in float64 from the dense rows. */
function referenceProduct(x: Csr, rows: number, columns: number, n: number, kernel: Float32Array, bias: Float32Array | null): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j]! : 0;
      for (let c = 0; c < columns; c++) sum += x.dense[r * columns + c]! * kernel[c * n + j]!;
      out[r * n + j] = sum;
    }
  }
  return out;
}

/** xᵀ · dz in float64 from the dense rows. */
function referenceGradient(x: Csr, rows: number, columns: number, n: number, dz: Float32Array): Float64Array {
  const dw = new Float64Array(columns * n);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) for (let j = 0; j < n; j++) dw[c * n + j]! += x.dense[r * columns + c]! * dz[r * n + j]!;
  return dw;
}

const PATHS = [
  { name: "WebAssembly SIMD", wasm: true, n: 32 },
  { name: "WebAssembly SIMD (width a multiple of 16, not of 32)", wasm: true, n: 48 },
  { name: "JavaScript", wasm: false, n: 6 },
  { name: "JavaScript (width not a multiple of 16)", wasm: true, n: 6 },
];

describe("sparse products", () => {
  for (const { name, wasm, n } of PATHS) {
    it(`${name}: the row gather is bias + x · kernel`, () => {
      const random = new Random(7);
      const [rows, columns] = [9, 40];
      const { weights } = layer(columns, n, wasm);
      const [kernel, bias] = weights as [Float32Array, Float32Array];
      kernel.set(randomFloats(random, columns * n));
      bias.set(randomFloats(random, n));
      const x = randomCsr(random, rows, columns, 4);
      for (const withBias of [true, false]) {
        const out = new Float32Array(rows * n + 5).fill(7);
        sparseProduct(rows, n, x.indptr, x.indices, x.values, kernel, withBias ? bias : null, out);
        expect(maxRelativeError(out.subarray(0, rows * n), referenceProduct(x, rows, columns, n, kernel, withBias ? bias : null))).toBeLessThan(1e-6);
        expect([...out.subarray(rows * n)]).toEqual([7, 7, 7, 7, 7]);
      }
    });

    it(`${name}: the scatter-add is xᵀ · dz, added to or replacing the gradient`, () => {
      const random = new Random(8);
      const [rows, columns] = [11, 30];
      const { grads } = layer(columns, n, wasm);
      const dw = grads[0]!;
      const x = randomCsr(random, rows, columns, 5);
      const dz = randomFloats(random, rows * n);
      const expected = referenceGradient(x, rows, columns, n, dz);
      for (const start of ["zero", "touchedRows"] as const) {
        dw.set(randomFloats(random, columns * n));
        sparseWeightGradient(rows, n, x.indptr, x.indices, x.values, dz, dw, start);
        expect(maxRelativeError(dw, expected), start).toBeLessThan(1e-6);
      }
      const before = Float64Array.from(dw);
      sparseWeightGradient(rows, n, x.indptr, x.indices, x.values, dz, dw, "accumulate");
      expect(maxRelativeError(dw, before.map((v, i) => v + expected[i]!))).toBeLessThan(1e-6);
    });

    it(`${name}: zeroing only the rows the last batch wrote gives the gradient of zeroing it whole, bit for bit`, () => {
      const random = new Random(9);
      const columns = 60;
      const whole = layer(columns, n, wasm).grads[0]!;
      const touched = layer(columns, n, wasm).grads[0]!;
      // batches of different sizes and vocabularies: overlapping rows, rows not seen again, an empty batch
      const batches = [
        [8, 6],
        [5, 3],
        [12, 8],
        [0, 0],
        [7, 2],
        [10, 10],
        [3, 1],
      ] as const;
      for (const [step, [rows, perRow]] of batches.entries()) {
        const x = randomCsr(random, rows, columns, perRow);
        // zeros against negative values make -0 products: a zeroed row plus -0 stays +0
        const dz = Float32Array.from(randomFloats(random, rows * n), (v, i) => (i % 7 === 0 ? 0 : v));
        const run = (dw: Float32Array, start: GradientStart) => sparseWeightGradient(rows, n, x.indptr, x.indices, x.values, dz, dw, start);
        run(whole, "zero");
        run(touched, "touchedRows");
        expect(new Uint32Array(touched.buffer, touched.byteOffset, touched.length), `step ${step}`).toEqual(new Uint32Array(whole.buffer, whole.byteOffset, whole.length));
        expect(maxRelativeError(whole, referenceGradient(x, rows, columns, n, dz)), `step ${step}`).toBeLessThan(1e-6);
      }
    });
  }

  it("WebAssembly SIMD: a batch larger than the scratch memory goes through in chunks of rows", () => {
    const random = new Random(10);
    // 600 rows of 512 floats are 1.2 MB of dense rows, more than the 1 MB of scratch
    const [rows, columns, n] = [600, 20, 512];
    const { weights, grads } = layer(columns, n, true);
    const kernel = weights[0]!;
    kernel.set(randomFloats(random, columns * n));
    const x = randomCsr(random, rows, columns, 2);
    const out = new Float32Array(rows * n);
    sparseProduct(rows, n, x.indptr, x.indices, x.values, kernel, null, out);
    expect(maxRelativeError(out, referenceProduct(x, rows, columns, n, kernel, null))).toBeLessThan(1e-6);
    const dz = randomFloats(random, rows * n);
    sparseWeightGradient(rows, n, x.indptr, x.indices, x.values, dz, grads[0]!, "zero");
    expect(maxRelativeError(grads[0]!, referenceGradient(x, rows, columns, n, dz))).toBeLessThan(1e-5);
  });

  it("WebAssembly SIMD: refuses a column outside the kernel", () => {
    const { weights } = layer(10, 16, true);
    const x = { indptr: Int32Array.of(0, 1), indices: Int32Array.of(10), values: Float32Array.of(1) };
    expect(() => sparseProduct(1, 16, x.indptr, x.indices, x.values, weights[0]!, null, new Float32Array(16))).toThrow("sparse product: column 10 is outside [0, 10)");
  });
});
