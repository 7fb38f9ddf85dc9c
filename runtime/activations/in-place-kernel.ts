// The loop of an element-wise function applied in place to f32x4 vectors in a WebAssembly module:
// σ (sigmoid-kernel.ts) and the gate module's σ and tanh (gate-kernel.ts). Several vectors a step
// interleave independent chains of dependent instructions, which keeps more of the CPU busy.

import { i32Params, type FunctionBuilder, type ModuleBuilder } from "../wasm/wasm-assembler";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;

/**
 * Adds `name(at, floats)`: `vectors` in place on the floats from byte address at, `perStep` vectors
 * a step, after `prepare` (its locals declared and constants splatted for that many). With
 * `leftovers`, the vectors left after the whole steps go one at a time (floats: a positive multiple
 * of 4); without, floats must be a positive multiple of 4·perStep.
 */
export function inPlaceFunction(
  module: ModuleBuilder,
  name: string,
  exported: boolean,
  perStep: number,
  leftovers: boolean,
  prepare: (f: FunctionBuilder, vectors: number) => void,
  vectors: (f: FunctionBuilder, values: readonly string[]) => void,
): void {
  const f = module.function(name, i32Params("at", "floats"), [], exported);
  const values = Array.from({ length: perStep }, (_, v) => `value${v}`);
  f.local("end", "i32");
  for (const value of values) f.local(value, "v128");
  prepare(f, perStep);
  f.get("at").get("floats").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("end");
  const step = (count: number) => {
    const stepValues = values.slice(0, count);
    stepValues.forEach((value, v) => f.get("at").op("v128.load", v * VECTOR_BYTES).set(value));
    vectors(f, stepValues);
    stepValues.forEach((value, v) => f.get("at").get(value).op("v128.store", v * VECTOR_BYTES));
    f.increment("at", () => f.i32(count * VECTOR_BYTES));
  };
  if (!leftovers) {
    f.doWhile(() => step(perStep), () => f.get("at").get("end").op("i32.lt_u"));
    return;
  }
  // while `count` vectors or more are left: at + count vectors − 1 < end
  const loop = (count: number) => {
    const fits = () => f.get("at").i32(count * VECTOR_BYTES - 1).op("i32.add").get("end").op("i32.lt_u");
    fits().op("if");
    f.doWhile(() => step(count), fits);
    f.op("end");
  };
  if (perStep > 1) loop(perStep);
  loop(1);
}
