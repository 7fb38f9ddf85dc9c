// The WebAssembly SIMD module behind the recurrent layers' gate functions:
//
//   lstmGates(at, rows, units)   on `rows` rows of 4·units floats from byte address at, an LSTM step's
//                                pre-activations in Keras' gate order i, f, c, o: σ in place on i, f
//                                and o, tanh on c (units: a positive multiple of 4)
//   gruGates(at, rows, units)    on `rows` rows of 3·units floats from byte address at, a GRU step's
//                                gates z, r, h: σ in place on the pre-activations of z and r (units: a
//                                positive multiple of 4); h~ is left to the cell, as it needs r
//   tanh(at, floats)             tanh in place on `floats` floats (a positive multiple of 4)
//
// Both run a vector at a time through the instructions of sigmoid-vectors.ts and tanh-vectors.ts.

import { i32Params, ModuleBuilder, type FunctionBuilder } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";
import { declareSigmoidLocals, sigmoidVectors, splatSigmoidConstants } from "./sigmoid-vectors";
import { declareTanhLocals, splatTanhConstants, tanhVectors } from "./tanh-vectors";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;
export const VECTOR_FLOATS = VECTOR_BYTES / FLOAT_BYTES;

/** f(at, floats): `vectors` in place on floats from at, a vector at a time (floats: a positive multiple of 4). */
function inPlace(module: ModuleBuilder, name: string, exported: boolean, prepare: (f: FunctionBuilder) => void, vectors: (f: FunctionBuilder, values: readonly string[]) => void): void {
  const f = module.function(name, i32Params("at", "floats"), [], exported);
  f.local("end", "i32");
  f.local("value", "v128");
  prepare(f);
  f.get("at").get("floats").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("end");
  f.doWhile(
    () => {
      f.get("at").op("v128.load", 0).set("value");
      vectors(f, ["value"]);
      f.get("at").get("value").op("v128.store", 0);
      f.increment("at", () => f.i32(VECTOR_BYTES));
    },
    () => f.get("at").get("end").op("i32.lt_u"),
  );
}

function lstmGatesFunction(module: ModuleBuilder): void {
  const f = module.function("lstmGates", i32Params("at", "rows", "units"), [], true);
  f.local("gateBytes", "i32");
  f.get("units").i32(FLOAT_BYTES).op("i32.mul").set("gateBytes");
  f.doWhile(
    () => {
      // i and f, then c, then o
      f.get("at").get("units").i32(2).op("i32.mul").call("sigmoid");
      f.get("at").get("gateBytes").i32(2).op("i32.mul").op("i32.add").get("units").call("tanh");
      f.get("at").get("gateBytes").i32(3).op("i32.mul").op("i32.add").get("units").call("sigmoid");
      f.increment("at", () => f.get("gateBytes").i32(4).op("i32.mul"));
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows").i32(0).op("i32.ne"),
  );
}

function gruGatesFunction(module: ModuleBuilder): void {
  const f = module.function("gruGates", i32Params("at", "rows", "units"), [], true);
  f.doWhile(
    () => {
      // z and r, the row's first 2·units floats
      f.get("at").get("units").i32(2).op("i32.mul").call("sigmoid");
      f.increment("at", () => f.get("units").i32(3 * FLOAT_BYTES).op("i32.mul"));
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows").i32(0).op("i32.ne"),
  );
}

/** The module's bytes. Its memory starts at one page; the host grows it. */
export function gateKernelModule(): Uint8Array {
  const module = new ModuleBuilder(1);
  inPlace(module, "sigmoid", false, (f) => (declareSigmoidLocals(f, 1), splatSigmoidConstants(f)), sigmoidVectors);
  inPlace(module, "tanh", true, (f) => (declareTanhLocals(f, 1), splatTanhConstants(f)), tanhVectors);
  lstmGatesFunction(module);
  gruGatesFunction(module);
  return module.encode();
}

export interface GateKernelExports {
  readonly memory: GrowableMemory;
  lstmGates(at: number, rows: number, units: number): void;
  gruGates(at: number, rows: number, units: number): void;
  tanh(at: number, floats: number): void;
}
