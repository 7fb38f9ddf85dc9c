import { describe, expect, it } from "vitest";
import { gemm } from "../../runtime/gemm/gemm";
import { jsEpilogue, jsGemm, type Gemm } from "../../runtime/gemm/js-gemm";
import { SimdGemm } from "../../runtime/gemm/simd-gemm";
import { PLAIN_BUILD } from "../../runtime/gemm/simd-kernel";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { Random } from "../../runtime/random";

// gemm's epilogue, a dense layer's bias and relu applied to C before it leaves the SIMD module:
// against relu(fround(z + bias)) worked here from the float64 product, exactly against the product
// without the epilogue followed by the JavaScript epilogue, on widths that 4 does not divide, with a
// NaN in C (relu gives 0, as the generated expression z > 0 ? z : 0 does), and at an offset in C.

const simd = SimdGemm.create(hostWasm(), PLAIN_BUILD, false);
const PATHS: [string, Gemm][] = [["JavaScript", jsGemm], ...(simd ? [["WebAssembly SIMD", simd.gemm] as [string, Gemm]] : [])];

function uniform(random: Random, count: number): Float32Array {
  return Float32Array.from({ length: count }, () => random.uniform() * 2 - 1);
}

describe.each(PATHS)("gemm's epilogue on %s", (_name, path) => {
  it.each([
    [5, 10, 7],
    [8, 64, 33],
    [3, 3, 1],
  ])("m %i, n %i, k %i: relu(A·B + bias) and A·B + bias", (m, n, k) => {
    const random = new Random(m * 100 + n);
    const [a, b, bias] = [uniform(random, m * k), uniform(random, k * n), uniform(random, n)];
    for (const activation of ["relu", "linear"] as const) {
      const c = new Float32Array(m * n);
      path(m, n, k, a, false, b, false, c, false, 0, 0, 0, bias, activation);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let z = 0;
          for (let p = 0; p < k; p++) z += a[i * k + p]! * b[p * n + j]!;
          z += bias[j]!;
          expect(c[i * n + j]).toBeCloseTo(activation === "relu" ? Math.max(z, 0) : z, 5);
        }
      const plain = new Float32Array(m * n);
      path(m, n, k, a, false, b, false, plain, false);
      jsEpilogue(plain, 0, m, n, bias, activation);
      expect(c).toEqual(plain);
    }
  });

  it("relu alone, a NaN product giving 0, C at an offset", () => {
    const [m, n, k] = [2, 6, 3];
    const a = Float32Array.of(1, 2, 3, NaN, 0, 0);
    const b = Float32Array.from({ length: k * n }, (_, i) => (i % 2 ? -1 : 1));
    const c = new Float32Array(4 + m * n).fill(9);
    path(m, n, k, a, false, b, false, c, false, 0, 0, 4, null, "relu");
    expect([...c.subarray(0, 4)]).toEqual([9, 9, 9, 9]);
    expect([...c.subarray(4)]).toEqual([6, 0, 6, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe("gemm's epilogue arguments", () => {
  it("names a short bias and an unknown activation", () => {
    const one = new Float32Array(4);
    expect(() => gemm(2, 2, 1, one, false, one, false, one, false, 0, 0, 0, new Float32Array(1))).toThrow("gemm: bias holds 1 floats, needs 2");
    expect(() => gemm(2, 2, 1, one, false, one, false, one, false, 0, 0, 0, null, "tanh" as "relu")).toThrow('gemm: activation must be "linear" or "relu", got "tanh"');
  });
});
