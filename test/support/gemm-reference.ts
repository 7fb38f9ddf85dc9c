// The float64 reference for gemm and the problems gemm is held to, shared by test/runtime/gemm.test.ts
// and the child process that checks the relaxed-SIMD build under --experimental-wasm-relaxed-simd.

import type { Gemm } from "../../runtime/gemm/js-gemm";
import { Random } from "../../runtime/random";

export interface Problem {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly accumulate: boolean;
}

export interface Operands {
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** C before the call: what accumulate adds to. */
  readonly c: Float32Array;
}

const UNIT_ROUNDOFF_TIMES_2 = 2 ** -23;
export const ODD_SIZES = [1, 3, 5, 7, 9, 17, 33];
export const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;
/** Past the blocking: k > 4096 in slices (one and two slices on), m > 64 in blocks, several panels. */
export const BLOCKING_SIZES = [
  [9, 13, 4097],
  [6, 20, 8200],
  [67, 41, 257],
  [130, 9, 600],
  [5, 250, 513],
  [64, 16, 256],
] as const;
export const MLP_SHAPES: readonly Omit<Problem, "accumulate">[] = [
  { m: 128, n: 256, k: 784, transA: false, transB: false },
  { m: 128, n: 128, k: 256, transA: false, transB: false },
  { m: 128, n: 10, k: 128, transA: false, transB: false },
  { m: 784, n: 256, k: 128, transA: true, transB: false },
  { m: 256, n: 128, k: 128, transA: true, transB: false },
  { m: 128, n: 10, k: 128, transA: true, transB: false },
  { m: 128, n: 128, k: 10, transA: false, transB: true },
  { m: 128, n: 256, k: 128, transA: false, transB: true },
];

export const describeProblem = (p: Problem): string =>
  `${p.m}×${p.n}×${p.k}${p.transA ? " Aᵀ" : ""}${p.transB ? " Bᵀ" : ""}${p.accumulate ? " accumulate" : ""}`;

function randomFloats(random: Random, count: number): Float32Array {
  return Float32Array.from({ length: count }, () => random.uniform() * 2 - 1);
}

export function randomOperands(random: Random, { m, n, k }: Problem): Operands {
  return { a: randomFloats(random, m * k), b: randomFloats(random, k * n), c: randomFloats(random, m * n) };
}

/**
 * The product in float64, and for each element the bound on a float32 result's error: summing k
 * products (and C, when accumulating) in float32 errs by at most γ(k+1)·(Σ|a·b| + |c|), where
 * γ(j) ≈ j·2^-24; the bound allowed is twice that. A fused multiply-add rounds once where a multiply
 * and an add round twice, so the same bound holds for it.
 */
function reference(p: Problem, { a, b, c }: Operands): { product: Float64Array; bound: Float64Array } {
  const { m, n, k, transA, transB, accumulate } = p;
  const product = new Float64Array(m * n);
  const bound = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = accumulate ? c[i * n + j]! : 0;
      let magnitude = Math.abs(sum);
      for (let p = 0; p < k; p++) {
        const term = a[transA ? p * m + i : i * k + p]! * b[transB ? j * k + p : p * n + j]!;
        sum += term;
        magnitude += Math.abs(term);
      }
      product[i * n + j] = sum;
      bound[i * n + j] = (k + (accumulate ? 1 : 0)) * UNIT_ROUNDOFF_TIMES_2 * magnitude;
    }
  }
  return { product, bound };
}

/** Throws, naming the first element of C outside the bound of the float64 reference. */
export function expectNear(actual: Float32Array, p: Problem, operands: Operands): void {
  const { product, bound } = reference(p, operands);
  for (let e = 0; e < product.length; e++) {
    const error = Math.abs(actual[e]! - product[e]!);
    if (!(error <= bound[e]!)) {
      throw new Error(`${describeProblem(p)}: C[${Math.floor(e / p.n)}, ${e % p.n}] = ${actual[e]}, expected ${product[e]} within ${bound[e]}`);
    }
  }
}

/** Runs gemm on fresh copies of the operands and returns C after the call. */
export function run(implementation: Gemm, p: Problem, operands: Operands): Float32Array {
  const c = operands.c.slice();
  implementation(p.m, p.n, p.k, operands.a, p.transA, operands.b, p.transB, c, p.accumulate);
  return c;
}

export function checkProblem(implementation: Gemm, random: Random, p: Problem): void {
  const operands = randomOperands(random, p);
  expectNear(run(implementation, p, operands), p, operands);
}

/** Every problem above: odd sizes in every combination, past the blocking, the MLP's shapes; each transposed each way, with and without accumulate. */
export function allReferenceProblems(): Problem[] {
  const problems: Problem[] = [];
  for (const [transA, transB] of TRANSPOSES) {
    for (const accumulate of [false, true]) {
      for (const m of ODD_SIZES) for (const n of ODD_SIZES) for (const k of ODD_SIZES) problems.push({ m, n, k, transA, transB, accumulate });
      for (const [m, n, k] of BLOCKING_SIZES) problems.push({ m, n, k, transA, transB, accumulate });
    }
  }
  for (const shape of MLP_SHAPES) for (const accumulate of [false, true]) problems.push({ ...shape, accumulate });
  return problems;
}
