// The WebAssembly SIMD module behind sigmoidInPlace: one function,
//
//   sigmoid(at, floats)    σ(x) = 1 / (1 + e^-x) in place on `floats` floats from byte address at, a step
//                          of STEP_FLOATS at a time (floats: a positive multiple of STEP_FLOATS)
//
// The sigmoid's instructions are in sigmoid-vectors.ts.

import { i32Params, ModuleBuilder } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";
import { declareSigmoidLocals, sigmoidVectors, splatSigmoidConstants } from "./sigmoid-vectors";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;
/** Two vectors per loop iteration: two independent chains of dependent instructions keep more of the CPU busy. */
const VECTORS_PER_STEP = 2;
const STEP_BYTES = VECTORS_PER_STEP * VECTOR_BYTES;
export const STEP_FLOATS = STEP_BYTES / FLOAT_BYTES;

const value = (v: number): string => `value${v}`;

function sigmoidFunction(module: ModuleBuilder): void {
  const f = module.function("sigmoid", i32Params("at", "floats"), [], true);
  const values = Array.from({ length: VECTORS_PER_STEP }, (_, v) => value(v));
  f.local("end", "i32");
  for (const local of values) f.local(local, "v128");
  declareSigmoidLocals(f, VECTORS_PER_STEP);
  // the constants are splatted once, before the loop, not in every iteration
  splatSigmoidConstants(f);
  f.get("at").get("floats").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("end");
  f.doWhile(
    () => {
      for (let v = 0; v < VECTORS_PER_STEP; v++) f.get("at").op("v128.load", v * VECTOR_BYTES).set(value(v));
      sigmoidVectors(f, values);
      for (let v = 0; v < VECTORS_PER_STEP; v++) f.get("at").get(value(v)).op("v128.store", v * VECTOR_BYTES);
      f.increment("at", () => f.i32(STEP_BYTES));
    },
    () => f.get("at").get("end").op("i32.lt_u"),
  );
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
