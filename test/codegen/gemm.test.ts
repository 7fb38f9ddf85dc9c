import { describe, expect, it } from "vitest";
import { emitGemm, type Gemm } from "../../codegen/kernels/gemm";

// The emitted blocked product against a naive triple loop, for the three uses and awkward sizes.

function run(g: Gemm, arrays: Record<string, Float32Array>, n: number): void {
  const names = Object.keys(arrays);
  const body = emitGemm(g).join("\n");
  const fn = new Function(...names, "n", body) as (...args: unknown[]) => void;
  fn(...names.map((k) => arrays[k]), n);
}

function random(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s / 2147483648 - 0.5;
  }
  return out;
}

const sizes = [
  [1, 1, 1],
  [3, 2, 2],
  [4, 4, 4],
  [5, 7, 9],
  [9, 13, 3],
  [8, 16, 20],
];

describe("emitGemm", () => {
  for (const [rows, k, n] of sizes) {
    it(`forward Y = X·W for ${rows} rows, K=${k}, N=${n}`, () => {
      const x = random(rows * k, 1), w = random(k * n, 2), y = new Float32Array(rows * n);
      run({ a: { buf: "x", rowStride: k, colStride: 1 }, b: { buf: "w", rowStride: n, colStride: 1 }, c: { buf: "y", rowStride: n, colStride: 1 }, m: "n", n, k }, { x, w, y }, rows);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += x[r * k + p]! * w[p * n + j]!;
          expect(y[r * n + j]).toBeCloseTo(s, 5);
        }
    });

    it(`input gradient dX += dY·Wᵀ for ${rows} rows, K=${k}, N=${n}`, () => {
      const dy = random(rows * n, 3), w = random(k * n, 4), dx = random(rows * k, 5);
      const before = dx.slice();
      run({ a: { buf: "dy", rowStride: n, colStride: 1 }, b: { buf: "w", rowStride: 1, colStride: n }, c: { buf: "dx", rowStride: k, colStride: 1 }, m: "n", n: k, k: n, accumulate: true }, { dy, w, dx }, rows);
      for (let r = 0; r < rows; r++)
        for (let q = 0; q < k; q++) {
          let s = before[r * k + q]!;
          for (let j = 0; j < n; j++) s += dy[r * n + j]! * w[q * n + j]!;
          expect(dx[r * k + q]).toBeCloseTo(s, 5);
        }
    });

    it(`weight gradient dW = Xᵀ·dY for ${rows} rows, K=${k}, N=${n}`, () => {
      const x = random(rows * k, 6), dy = random(rows * n, 7), dw = new Float32Array(k * n);
      run({ a: { buf: "x", rowStride: 1, colStride: k }, b: { buf: "dy", rowStride: n, colStride: 1 }, c: { buf: "dw", rowStride: n, colStride: 1 }, m: k, n, k: "n" }, { x, dy, dw }, rows);
      for (let q = 0; q < k; q++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let r = 0; r < rows; r++) s += x[r * k + q]! * dy[r * n + j]!;
          expect(dw[q * n + j]).toBeCloseTo(s, 5);
        }
    });
  }
});
