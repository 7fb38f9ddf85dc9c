// Single-precision matrix multiply for large dense layers: WebAssembly SIMD where the host has it,
// plain JavaScript otherwise. Both are deterministic: the same inputs give bit-identical outputs
// (the two paths round differently, so they agree only to within float32 rounding). C must not
// overlap A or B.

import { jsGemm, type EpilogueActivation, type Gemm } from "./js-gemm";
import { SimdGemm } from "./simd-gemm";
import type { GemmThreads } from "./gemm-threads";
import { threadCount } from "../threads/threads";
import { StepPart, stepTimer } from "../step-timing";

let simd: SimdGemm | null | undefined;
let chosen: Gemm | undefined;

function choose(): Gemm {
  simd = SimdGemm.create();
  return simd?.gemm ?? jsGemm;
}

/**
 * C = op(A)·op(B), or C += op(A)·op(B) when accumulate. op(A) is m×k, op(B) is k×n, C is m×n, all row-major.
 * A is stored m×k (k×m when transA); B is stored k×n (n×k when transB). Arrays may be subarray views;
 * each operand starts at its offset in its array (a time step's slice of a tape), 0 by default.
 * Given a bias (n floats) or activation "relu", C then becomes act(C + bias) row by row, a dense
 * layer's epilogue, applied before C leaves the SIMD module (z = C + bias rounded to float32 once,
 * relu(z) = z > 0 ? z : 0). Its time counts as gemm in the step timer's breakdown.
 */
export const gemm: Gemm = (m, n, k, a, transA, b, transB, c, accumulate, aOffset = 0, bOffset = 0, cOffset = 0, bias = null, activation = "linear") => {
  if (!stepTimer.enabled) return untimedGemm(m, n, k, a, transA, b, transB, c, accumulate, aOffset, bOffset, cOffset, bias, activation);
  return stepTimer.timed(StepPart.gemm, () => untimedGemm(m, n, k, a, transA, b, transB, c, accumulate, aOffset, bOffset, cOffset, bias, activation));
};

/** gemm itself; the exported gemm adds the step timer's reading when it is enabled (runtime/step-timing.ts). */
const untimedGemm: Gemm = (m, n, k, a, transA, b, transB, c, accumulate, aOffset = 0, bOffset = 0, cOffset = 0, bias = null, activation = "linear") => {
  checkArguments(m, n, k, a, b, c, aOffset, bOffset, cOffset);
  checkEpilogue(n, bias, activation);
  chosen ??= choose();
  chosen(m, n, k, a, transA, b, transB, c, accumulate, aOffset, bOffset, cOffset, bias, activation);
};

function checkEpilogue(n: number, bias: Float32Array | null, activation: EpilogueActivation): void {
  if (bias && bias.length < n) throw new RangeError(`gemm: bias holds ${bias.length} floats, needs ${n}`);
  if (activation !== "linear" && activation !== "relu") throw new RangeError(`gemm: activation must be "linear" or "relu", got ${JSON.stringify(activation)}`);
}

/**
 * Starts the worker threads the large products of later calls may use (`threads` in all, the setting
 * in force by default), and resolves when they are ready. Training never waits for them: until they
 * are, products run on the calling thread (with the same results).
 */
export async function startThreads(threads = threadCount()): Promise<void> {
  chosen ??= choose();
  if (!simd?.threads) return;
  simd.threads.start(threads);
  await simd.threads.whenReady();
}

/** Stops the worker threads (they never keep a process alive; this frees them early). Later products start them again when they need them. */
export async function stopThreads(): Promise<void> {
  await simd?.threads?.stop();
}

/** gemm's WebAssembly SIMD module, for kernels that keep operands in its memory (runtime/recurrent); null where the host has none. */
export function simdGemm(): SimdGemm | null {
  chosen ??= choose();
  return simd ?? null;
}

/**
 * `count` zeroed floats that gemm multiplies where they lie, for as long as `owner` lives: a region of
 * its module's memory where that memory is shared (gemm's resident heap), else a new Float32Array.
 */
export function residentFloats(count: number, owner: object): Float32Array {
  return simdGemm()?.residentFloats(count, owner) ?? new Float32Array(count);
}

/** The worker threads of gemm's products (null before the first product, or where the host has none). */
export function gemmThreads(): GemmThreads | null {
  return simd?.threads ?? null;
}

function checkArguments(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, aOffset: number, bOffset: number, cOffset: number): void {
  checkSize("m", m);
  checkSize("n", n);
  checkSize("k", k);
  checkLength("A", a, aOffset + m * k);
  checkLength("B", b, bOffset + k * n);
  checkLength("C", c, cOffset + m * n);
}

function checkSize(name: string, size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`gemm: ${name} must be a positive integer, got ${size}`);
}

function checkLength(name: string, array: Float32Array, needed: number): void {
  if (array.length < needed) throw new RangeError(`gemm: ${name} holds ${array.length} floats, needs ${needed}`);
}
