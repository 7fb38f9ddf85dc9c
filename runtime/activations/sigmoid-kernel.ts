// The WebAssembly SIMD module behind sigmoidInPlace: one function,
//
//   sigmoid(at, floats)    σ(x) = 1 / (1 + e^-x) in place on `floats` floats from byte address at, a step
//                          of STEP_FLOATS at a time (floats: a positive multiple of STEP_FLOATS)
//
// The sigmoid's instructions are in sigmoid-vectors.ts.

import { ModuleBuilder } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";
import { declareSigmoidLocals, sigmoidVectors, splatSigmoidConstants } from "./sigmoid-vectors";
import { inPlaceFunction } from "./in-place-kernel";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;
/** Two vectors per loop iteration: two independent chains of dependent instructions keep more of the CPU busy. */
const VECTORS_PER_STEP = 2;
const STEP_BYTES = VECTORS_PER_STEP * VECTOR_BYTES;
export const STEP_FLOATS = STEP_BYTES / FLOAT_BYTES;

/**
 * Adds the function `sigmoid` to the module, exported or for the module's own use, taking
 * `vectorsPerStep` vectors per loop iteration (floats: a positive multiple of 4 · vectorsPerStep).
 */
export function sigmoidFunction(module: ModuleBuilder, exported = true, vectorsPerStep = VECTORS_PER_STEP): void {
  // the constants are splatted once, before the loop, not in every iteration
  inPlaceFunction(module, "sigmoid", exported, vectorsPerStep, false, (f, vectors) => (declareSigmoidLocals(f, vectors), splatSigmoidConstants(f)), sigmoidVectors);
}

/** The module's bytes. Its memory starts at one page; the host grows it. */
export function sigmoidKernelModule(): Uint8Array {
  const module = new ModuleBuilder(1);
  sigmoidFunction(module);
  return module.encode();
}

export interface SigmoidKernelExports {
  readonly memory: GrowableMemory;
  sigmoid(at: number, floats: number): void;
}
