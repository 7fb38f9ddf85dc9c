// The WebAssembly SIMD module behind the recurrent layers' gate functions:
//
//   lstmGates(at, rows, units)   on `rows` rows of 4·units floats from byte address at, an LSTM step's
//                                pre-activations in Keras' gate order i, f, c, o: σ in place on i, f
//                                and o, tanh on c (units: a positive multiple of 4)
//   gruGates(at, rows, units)    on `rows` rows of 3·units floats from byte address at, a GRU step's
//                                gates z, r, h: σ in place on the pre-activations of z and r (units: a
//                                positive multiple of 4); h~ is left to the cell, as it needs r
//   tanh(at, floats)             tanh in place on `floats` floats (a positive multiple of 4)
//   addBias(at, rows, width, bias)
//                                adds the `width` floats at byte address bias to each of `rows` rows of
//                                `width` floats from at (width: a positive multiple of 4)
//   lstmCell(gates, cPrev, c, act, h, rows, units)
//                                an LSTM step's cell over `rows` rows (units: a positive multiple of 4):
//                                from the gate values i, f, g, o (rows of 4·units at gates) and c_{t-1}
//                                (rows of units), c_t = f·c_{t-1} + i·g, act = tanh(c_t), h_t = o·act
//   tanhBackward(h, dh, floats)  h = dh·(1 − h²) in place: tanh's derivative from its value, times the
//                                gradient at byte address dh (floats: a positive multiple of 4)
//   gruCell(gates, hr, hPrev, inner, h, rows, units)
//                                a GRU step (reset after the recurrent product) over `rows` rows (units: a
//                                positive multiple of 4): gates holds x·K + b and hr h_{t-1}·R + b_rec
//                                (rows of 3·units, z, r, h); z, r = σ(gates + hr) in place, inner = hr_h,
//                                h~ = tanh(gates_h + r·hr_h) in place of gates_h, h_t = z·h_{t-1} + (1 − z)·h~
//                                (hPrev, inner and h rows of units)
//   gruBackward(gates, inner, hPrev, dh, dhr, rows, units)
//                                gruCell's backward over `rows` rows (units: a positive multiple of 4):
//                                from z, r, h~ (rows of 3·units at gates), inner, h_{t-1} and dh (rows of
//                                units), dz_z = dh·(h_{t-1} − h~)·z(1 − z), dz_h = dh·(1 − z)·(1 − h~²) and
//                                dz_r = dz_h·inner·r(1 − r) in place of z, r, h~; dhr (rows of 3·units) gets
//                                dz_z, dz_r and dz_h·r; dh becomes dh·z
//   lstmBackward(gates, act, cPrev, dh, dc, rows, units)
//                                an LSTM step's backward over `rows` rows (units: a positive multiple of
//                                4): from the gate values i, f, g, o (rows of 4·units at gates), tanh(c_t)
//                                (act), c_{t-1}, dh and dc (rows of units each), dc += dh·o·(1 − a²), then
//                                the gates' dz in place of their values: dz_i = dc·g·i(1 − i),
//                                dz_f = dc·c_{t-1}·f(1 − f), dz_g = dc·i·(1 − g²), dz_o = dh·a·o(1 − o),
//                                and dc_{t-1} = dc·f in place of dc
//
// The gate functions run their vectors through the instructions of sigmoid-vectors.ts and
// tanh-vectors.ts: σ and tanh in place several vectors a step, the cells a vector at a time. A module
// built `fused` (for a host with relaxed SIMD, as gemm's build is) multiplies and adds by relaxed_madd
// in σ and in the cells' tanh: LSTM's gates 20% and its cell 24% faster on 32 rows of 64 units.

import { i32Params, ModuleBuilder, type FunctionBuilder } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";
import { declareSigmoidLocals, sigmoidVectors, splatSigmoidConstants } from "./sigmoid-vectors";
import { declareTanhLocals, splatTanhConstants, tanhVectors } from "./tanh-vectors";
import { inPlaceFunction } from "./in-place-kernel";

const FLOAT_BYTES = 4;
const VECTOR_BYTES = 16;
export const VECTOR_FLOATS = VECTOR_BYTES / FLOAT_BYTES;
/** Vectors a step of the in-place σ and tanh. */
interface VectorsPerStep {
  readonly sigmoid: number;
  readonly tanh: number;
}

/** A vector a step: the module stays small enough for a browser to compile on its main thread. */
const COMPACT: VectorsPerStep = { sigmoid: 1, tanh: 1 };
/**
 * For gemm's module (the walks'): an LSTM step's gates (32 rows of 64 units) took 7.4 µs with four
 * and two, against 9.3 with one and one, 8.3 with two and one, 8.1 with two and two (and more with
 * four tanh vectors, whose locals spill). The same instructions on every float: the same bits.
 */
export const WIDE: VectorsPerStep = { sigmoid: 4, tanh: 2 };

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

function addBiasFunction(module: ModuleBuilder): void {
  const f = module.function("addBias", i32Params("at", "rows", "width", "bias"), [], true);
  f.local("column", "i32");
  f.local("rowEnd", "i32");
  f.doWhile(
    () => {
      f.get("bias").set("column");
      f.get("at").get("width").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("rowEnd");
      f.doWhile(
        () => {
          f.get("at").get("at").op("v128.load", 0).get("column").op("v128.load", 0).op("f32x4.add").op("v128.store", 0);
          f.increment("at", () => f.i32(VECTOR_BYTES));
          f.increment("column", () => f.i32(VECTOR_BYTES));
        },
        () => f.get("at").get("rowEnd").op("i32.lt_u"),
      );
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows").i32(0).op("i32.ne"),
  );
}

function lstmCellFunction(module: ModuleBuilder, fused: boolean): void {
  const f = module.function("lstmCell", i32Params("gates", "cPrev", "c", "act", "h", "rows", "units"), [], true);
  for (const v of ["cv", "av"]) f.local(v, "v128");
  f.local("gateBytes", "i32");
  f.local("rowEnd", "i32");
  declareTanhLocals(f, 1);
  splatTanhConstants(f);
  f.get("units").i32(FLOAT_BYTES).op("i32.mul").set("gateBytes");
  const gate = (n: number) => f.get("gates").get("gateBytes").i32(n).op("i32.mul").op("i32.add").op("v128.load", 0);
  f.doWhile(
    () => {
      f.get("c").get("gateBytes").op("i32.add").set("rowEnd");
      f.doWhile(
        () => {
          // c_t = f · c_{t-1} + i · g
          gate(1).get("cPrev").op("v128.load", 0).op("f32x4.mul");
          f.get("gates").op("v128.load", 0);
          gate(2).op("f32x4.mul").op("f32x4.add").set("cv");
          f.get("c").get("cv").op("v128.store", 0);
          f.get("cv").set("av");
          tanhVectors(f, ["av"], fused);
          f.get("act").get("av").op("v128.store", 0);
          // h_t = o · tanh(c_t)
          f.get("h");
          gate(3).get("av").op("f32x4.mul").op("v128.store", 0);
          for (const at of ["gates", "cPrev", "c", "act", "h"]) f.increment(at, () => f.i32(VECTOR_BYTES));
        },
        () => f.get("c").get("rowEnd").op("i32.lt_u"),
      );
      f.increment("gates", () => f.get("gateBytes").i32(3).op("i32.mul"));
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows").i32(0).op("i32.ne"),
  );
}

function tanhBackwardFunction(module: ModuleBuilder): void {
  const f = module.function("tanhBackward", i32Params("h", "dh", "floats"), [], true);
  f.local("end", "i32");
  f.local("value", "v128");
  f.local("one", "v128");
  f.op("f32.const", 1).op("f32x4.splat").set("one");
  f.get("h").get("floats").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("end");
  f.doWhile(
    () => {
      f.get("h").op("v128.load", 0).set("value");
      f.get("h").get("dh").op("v128.load", 0).get("one").get("value").get("value").op("f32x4.mul").op("f32x4.sub").op("f32x4.mul").op("v128.store", 0);
      f.increment("h", () => f.i32(VECTOR_BYTES));
      f.increment("dh", () => f.i32(VECTOR_BYTES));
    },
    () => f.get("h").get("end").op("i32.lt_u"),
  );
}

function gruCellFunction(module: ModuleBuilder, fused: boolean): void {
  const f = module.function("gruCell", i32Params("gates", "hr", "hPrev", "inner", "h", "rows", "units"), [], true);
  for (const v of ["hh", "z", "rh", "one"]) f.local(v, "v128");
  for (const v of ["gateBytes", "rowEnd", "p", "q"]) f.local(v, "i32");
  declareTanhLocals(f, 1);
  splatTanhConstants(f);
  f.op("f32.const", 1).op("f32x4.splat").set("one");
  f.get("units").i32(FLOAT_BYTES).op("i32.mul").set("gateBytes");
  const at = (pointer: string, gate: number) => (gate ? f.get(pointer).get("gateBytes").i32(gate).op("i32.mul").op("i32.add") : f.get(pointer));
  const step = (...pointers: string[]) => pointers.forEach((pointer) => f.increment(pointer, () => f.i32(VECTOR_BYTES)));
  f.doWhile(
    () => {
      // z and r: gates += hr over the row's first 2·units, then σ
      f.get("gates").set("p");
      f.get("hr").set("q");
      at("gates", 2).set("rowEnd");
      f.doWhile(
        () => {
          f.get("p").get("p").op("v128.load", 0).get("q").op("v128.load", 0).op("f32x4.add").op("v128.store", 0);
          step("p", "q");
        },
        () => f.get("p").get("rowEnd").op("i32.lt_u"),
      );
      f.get("gates").get("units").i32(2).op("i32.mul").call("sigmoid");
      // h~ = tanh(gates_h + r · hr_h), h_t = z · h_{t-1} + (1 − z) · h~
      f.get("gates").set("p");
      at("hr", 2).set("q");
      f.get("inner").get("gateBytes").op("i32.add").set("rowEnd");
      f.doWhile(
        () => {
          f.get("q").op("v128.load", 0).set("rh");
          f.get("inner").get("rh").op("v128.store", 0);
          at("p", 2).op("v128.load", 0);
          at("p", 1).op("v128.load", 0).get("rh").op("f32x4.mul").op("f32x4.add").set("hh");
          tanhVectors(f, ["hh"], fused);
          at("p", 2).get("hh").op("v128.store", 0);
          f.get("p").op("v128.load", 0).set("z");
          f.get("h").get("z").get("hPrev").op("v128.load", 0).op("f32x4.mul").get("one").get("z").op("f32x4.sub").get("hh").op("f32x4.mul").op("f32x4.add").op("v128.store", 0);
          step("p", "q", "inner", "hPrev", "h");
        },
        () => f.get("inner").get("rowEnd").op("i32.lt_u"),
      );
      f.increment("gates", () => f.get("gateBytes").i32(3).op("i32.mul"));
      f.increment("hr", () => f.get("gateBytes").i32(3).op("i32.mul"));
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows").i32(0).op("i32.ne"),
  );
}

function gruBackwardFunction(module: ModuleBuilder): void {
  const f = module.function("gruBackward", i32Params("gates", "inner", "hPrev", "dh", "dhr", "rows", "units"), [], true);
  for (const v of ["z", "r", "hh", "dhv", "dz", "dhh", "dr", "one"]) f.local(v, "v128");
  for (const v of ["gateBytes", "rowEnd", "p", "q"]) f.local(v, "i32");
  f.op("f32.const", 1).op("f32x4.splat").set("one");
  f.get("units").i32(FLOAT_BYTES).op("i32.mul").set("gateBytes");
  const at = (pointer: string, gate: number) => (gate ? f.get(pointer).get("gateBytes").i32(gate).op("i32.mul").op("i32.add") : f.get(pointer));
  /** Pushes x·(1 − x) of a local. */
  const logistic = (x: string) => f.get(x).get("one").get(x).op("f32x4.sub").op("f32x4.mul");
  f.doWhile(
    () => {
      f.get("gates").set("p");
      f.get("dhr").set("q");
      f.get("dh").get("gateBytes").op("i32.add").set("rowEnd");
      f.doWhile(
        () => {
          at("p", 0).op("v128.load", 0).set("z");
          at("p", 1).op("v128.load", 0).set("r");
          at("p", 2).op("v128.load", 0).set("hh");
          f.get("dh").op("v128.load", 0).set("dhv");
          // dz_z = dh · (h_{t-1} − h~) · z(1 − z)
          f.get("dhv").get("hPrev").op("v128.load", 0).get("hh").op("f32x4.sub").op("f32x4.mul");
          logistic("z");
          f.op("f32x4.mul").set("dz");
          // dz_h = dh · (1 − z) · (1 − h~²)
          f.get("dhv").get("one").get("z").op("f32x4.sub").op("f32x4.mul").get("one").get("hh").get("hh").op("f32x4.mul").op("f32x4.sub").op("f32x4.mul").set("dhh");
          // dz_r = dz_h · inner · r(1 − r)
          f.get("dhh").get("inner").op("v128.load", 0).op("f32x4.mul");
          logistic("r");
          f.op("f32x4.mul").set("dr");
          at("p", 0).get("dz").op("v128.store", 0);
          at("p", 1).get("dr").op("v128.store", 0);
          at("p", 2).get("dhh").op("v128.store", 0);
          at("q", 0).get("dz").op("v128.store", 0);
          at("q", 1).get("dr").op("v128.store", 0);
          at("q", 2).get("dhh").get("r").op("f32x4.mul").op("v128.store", 0);
          f.get("dh").get("dhv").get("z").op("f32x4.mul").op("v128.store", 0);
          for (const pointer of ["p", "q", "inner", "hPrev", "dh"]) f.increment(pointer, () => f.i32(VECTOR_BYTES));
        },
        () => f.get("dh").get("rowEnd").op("i32.lt_u"),
      );
      f.increment("gates", () => f.get("gateBytes").i32(3).op("i32.mul"));
      f.increment("dhr", () => f.get("gateBytes").i32(3).op("i32.mul"));
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows").i32(0).op("i32.ne"),
  );
}

function lstmBackwardFunction(module: ModuleBuilder): void {
  const f = module.function("lstmBackward", i32Params("gates", "act", "cPrev", "dh", "dc", "rows", "units"), [], true);
  const vectors = ["i", "f", "g", "o", "a", "cp", "dhv", "dcv", "one"] as const;
  for (const v of vectors) f.local(v, "v128");
  f.local("gateBytes", "i32");
  f.local("rowEnd", "i32");
  f.get("units").i32(FLOAT_BYTES).op("i32.mul").set("gateBytes");
  f.op("f32.const", 1).op("f32x4.splat").set("one");
  const load = (local: string, at: string) => f.get(at).op("v128.load", 0).set(local);
  /** Pushes x·(1 − x) or 1 − x² (the same), of a local. */
  const slope = (x: string, squared: boolean) => (squared ? f.get("one").get(x).get(x).op("f32x4.mul").op("f32x4.sub") : f.get(x).get("one").get(x).op("f32x4.sub").op("f32x4.mul"));
  const gateAddress = (gate: number) => {
    f.get("gates");
    if (gate > 0) f.get("gateBytes").i32(gate).op("i32.mul").op("i32.add");
  };
  f.doWhile(
    () => {
      f.get("dh").get("gateBytes").op("i32.add").set("rowEnd");
      f.doWhile(
        () => {
          ["i", "f", "g", "o"].forEach((gate, n) => {
            gateAddress(n);
            f.op("v128.load", 0).set(gate);
          });
          load("a", "act");
          load("cp", "cPrev");
          load("dhv", "dh");
          // dc += dh · o · (1 − a²)
          f.get("dc").op("v128.load", 0).get("dhv").get("o").op("f32x4.mul");
          slope("a", true);
          f.op("f32x4.mul").op("f32x4.add").set("dcv");
          // dz_i = dc · g · i(1 − i)
          gateAddress(0);
          f.get("dcv").get("g").op("f32x4.mul");
          slope("i", false);
          f.op("f32x4.mul").op("v128.store", 0);
          // dz_f = dc · c_{t-1} · f(1 − f)
          gateAddress(1);
          f.get("dcv").get("cp").op("f32x4.mul");
          slope("f", false);
          f.op("f32x4.mul").op("v128.store", 0);
          // dz_g = dc · i · (1 − g²)
          gateAddress(2);
          f.get("dcv").get("i").op("f32x4.mul");
          slope("g", true);
          f.op("f32x4.mul").op("v128.store", 0);
          // dz_o = dh · a · o(1 − o)
          gateAddress(3);
          f.get("dhv").get("a").op("f32x4.mul");
          slope("o", false);
          f.op("f32x4.mul").op("v128.store", 0);
          // dc_{t-1} = dc · f
          f.get("dc").get("dcv").get("f").op("f32x4.mul").op("v128.store", 0);
          for (const at of ["gates", "act", "cPrev", "dh", "dc"]) f.increment(at, () => f.i32(VECTOR_BYTES));
        },
        () => f.get("dh").get("rowEnd").op("i32.lt_u"),
      );
      // the row's other three gates were walked through by their offsets: on to the next row's i
      f.increment("gates", () => f.get("gateBytes").i32(3).op("i32.mul"));
      f.increment("rows", () => f.i32(-1));
    },
    () => f.get("rows").i32(0).op("i32.ne"),
  );
}

/** The module's bytes (`fused`: σ and the cells' tanh by relaxed_madd, for a host that has it). Its memory starts at one page; the host grows it. */
export function gateKernelModule(fused = false): Uint8Array {
  const module = new ModuleBuilder(1);
  addGateFunctions(module, COMPACT, fused);
  return module.encode();
}

/** The gate functions, exported, into a module of another kernel's (the recurrent walks call them: runtime/recurrent/walk-kernel.ts). */
export function addGateFunctions(module: ModuleBuilder, perStep: VectorsPerStep = COMPACT, fused = false): void {
  inPlaceFunction(module, "sigmoid", false, perStep.sigmoid, true, (f, vectors) => (declareSigmoidLocals(f, vectors), splatSigmoidConstants(f)), (f, values) => sigmoidVectors(f, values, fused));
  // tanh in place (a SimpleRNN's activation, an LSTM's c gate) stays plain: fused, the SimpleRNN(32) of
  // examples/rnn-gates differed from the float64 interpreter by 1.1e-4 in its bias gradient over 30
  // saturating steps (6.1e-5 plain), past the generated kernels' bar of 1e-4
  inPlaceFunction(module, "tanh", true, perStep.tanh, true, (f, vectors) => (declareTanhLocals(f, vectors), splatTanhConstants(f)), tanhVectors);
  lstmGatesFunction(module);
  gruGatesFunction(module);
  addBiasFunction(module);
  lstmCellFunction(module, fused);
  tanhBackwardFunction(module);
  gruCellFunction(module, fused);
  gruBackwardFunction(module);
  lstmBackwardFunction(module);
}

export interface GateKernelExports {
  readonly memory: GrowableMemory;
  lstmGates(at: number, rows: number, units: number): void;
  gruGates(at: number, rows: number, units: number): void;
  tanh(at: number, floats: number): void;
  addBias(at: number, rows: number, width: number, bias: number): void;
  lstmCell(gates: number, cPrev: number, c: number, act: number, h: number, rows: number, units: number): void;
  tanhBackward(h: number, dh: number, floats: number): void;
  gruCell(gates: number, hr: number, hPrev: number, inner: number, h: number, rows: number, units: number): void;
  gruBackward(gates: number, inner: number, hPrev: number, dh: number, dhr: number, rows: number, units: number): void;
  lstmBackward(gates: number, act: number, cPrev: number, dh: number, dc: number, rows: number, units: number): void;
}
