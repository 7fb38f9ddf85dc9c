// The recurrent layers' walks over time as WebAssembly functions, in gemm's module (with the gate
// functions, gate-kernel.ts): one call runs every step of a walk for a band of the batch's rows, so the
// calling thread and gemm's worker threads each walk their own rows with no hand-over between steps
// (a row's h_t depends only on its own h_{t-1}). Each step is the calls the per-step loops make, on
// the band's rows: the same kernels on the same floats, so the same bits.
//
//   walk(args, row0, rows, scratch)
//       args: the byte address of the walk's i32 arguments (below, in order); row0 and rows: the band;
//       scratch: the calling thread's scratch tile for gemm's edge tiles. Tapes are step-major: step t's
//       block of the batch's rows starts at t·batch rows. A band's last register tile may read rows
//       past the band (another band's, or the slack after a tape) into rows it drops.
//
//   simpleRnnWalkForward   h, packedR, bias, hasBias, steps, batch, units:
//                          for t = 0 …: h[t] += h[t-1]·R (not at t = 0), + bias, tanh, in place
//   simpleRnnWalkBackward  dz, dh, packedRT, steps, batch, units:
//                          for t = steps-1 … 0: dz[t] = dh·(1 − dz[t]²) in place (dz holding h), dh = dz[t]·Rᵀ (not at t = 0)
//   lstmWalkForward        gates, c, act, h, zeros, packedR, bias, hasBias, steps, batch, units, x, features, packedK, packedKR, packedA:
//                          for t = 0 …: gates[t] += h[t-1]·R (not at t = 0), + bias, lstmGates, lstmCell (c_{-1}: zeros);
//                          given the input (features > 0: x's tape, rows of features floats, step-major), the
//                          gates start from it instead: gates[0] = x_0·K (packedK: K packed, k = features),
//                          gates[t] = [x_t | h_{t-1}]·[K; R] (packedKR: K over R packed, k = features + units),
//                          the band's rows of x_t and h_{t-1} packed side by side at packedA (the band's
//                          panels from row0·(features + units) floats in): the sums x·K then h·R make, in
//                          their order, so the same bits as x·K made first and h·R added
//   lstmWalkBackward       dz, act, c, zeros, dh, dc, packedRT, steps, batch, units:
//                          for t = steps-1 … 0: lstmBackward on dz[t] (holding the gates), dh = dz[t]·Rᵀ (not at t = 0)

import { i32Params, type FunctionBuilder, type ModuleBuilder } from "../wasm/wasm-assembler";
import { addGateFunctions, WIDE } from "../activations/gate-kernel";
import { packPanels } from "../gemm/simd-pack";
import { columnSumsFunction } from "../rows/rows-kernel";

const FLOAT_BYTES = 4;

/** The walks, in the order of their job kinds (gemm-job.ts: kind 1 is the first). */
export const WALKS = ["simpleRnnWalkForward", "simpleRnnWalkBackward", "lstmWalkForward", "lstmWalkBackward"] as const;
export type WalkName = (typeof WALKS)[number];

export const WALK_ARGUMENTS: Record<WalkName, readonly string[]> = {
  simpleRnnWalkForward: ["h", "packedR", "bias", "hasBias", "steps", "batch", "units"],
  simpleRnnWalkBackward: ["dz", "dh", "packedRT", "steps", "batch", "units"],
  lstmWalkForward: ["gates", "c", "act", "h", "zeros", "packedR", "bias", "hasBias", "steps", "batch", "units", "x", "features", "packedK", "packedKR", "packedA"],
  lstmWalkBackward: ["dz", "act", "c", "zeros", "dh", "dc", "packedRT", "steps", "batch", "units"],
};

/** The walk's function with its arguments loaded into locals of their names, and the locals every walk uses. */
function walkFunction(module: ModuleBuilder, name: WalkName): FunctionBuilder {
  const f = module.function(name, i32Params("args", "row0", "rows", "scratch"), [], true);
  for (const local of [...WALK_ARGUMENTS[name], "t", "rowBytes", "stateBlock"]) f.local(local, "i32");
  WALK_ARGUMENTS[name].forEach((arg, i) => f.get("args").op("i32.load", i * 4).set(arg));
  // the band's first row of a tape of units-wide rows, in bytes; a step's block of such a tape
  f.get("row0").get("units").op("i32.mul").i32(FLOAT_BYTES).op("i32.mul").set("rowBytes");
  f.get("batch").get("units").op("i32.mul").i32(FLOAT_BYTES).op("i32.mul").set("stateBlock");
  return f;
}

/** local += rowBytes·factor: a tape's address moved to the band's first row (units·factor floats a row). */
function toBand(f: FunctionBuilder, local: string, factor = 1): void {
  f.increment(local, () => (factor === 1 ? f.get("rowBytes") : f.get("rowBytes").i32(factor).op("i32.mul")));
}

function simpleRnnWalkForward(module: ModuleBuilder): void {
  const f = walkFunction(module, "simpleRnnWalkForward");
  toBand(f, "h");
  f.i32(0).set("t");
  f.doWhile(
    () => {
      f.get("t").op("if");
      f.get("rows").get("units").get("units").get("h").get("stateBlock").op("i32.sub").i32(0).get("packedR").get("h").i32(1).get("scratch").call("gemm");
      f.op("end");
      f.get("hasBias").op("if").get("h").get("rows").get("units").get("bias").call("addBias").op("end");
      f.get("h").get("rows").get("units").op("i32.mul").call("tanh");
      f.increment("h", () => f.get("stateBlock"));
      f.increment("t", () => f.i32(1));
    },
    () => f.get("t").get("steps").op("i32.ne"),
  );
}

function simpleRnnWalkBackward(module: ModuleBuilder): void {
  const f = walkFunction(module, "simpleRnnWalkBackward");
  toBand(f, "dh");
  toBand(f, "dz");
  f.get("steps").i32(1).op("i32.sub").set("t");
  f.increment("dz", () => f.get("t").get("stateBlock").op("i32.mul"));
  f.doWhile(
    () => {
      f.get("dz").get("dh").get("rows").get("units").op("i32.mul").call("tanhBackward");
      f.get("t").op("if");
      f.get("rows").get("units").get("units").get("dz").i32(0).get("packedRT").get("dh").i32(0).get("scratch").call("gemm");
      f.op("end");
      f.get("dz").get("stateBlock").op("i32.sub").set("dz");
      f.increment("t", () => f.i32(-1));
    },
    () => f.get("t").i32(0).op("i32.ge_s"),
  );
}

function lstmWalkForward(module: ModuleBuilder, mr: number): void {
  const f = walkFunction(module, "lstmWalkForward");
  f.local("width", "i32").local("cPrev", "i32").local("inner", "i32").local("xBlock", "i32");
  f.get("units").i32(4).op("i32.mul").set("width");
  f.get("features").get("units").op("i32.add").set("inner");
  f.get("batch").get("features").op("i32.mul").i32(FLOAT_BYTES).op("i32.mul").set("xBlock");
  toBand(f, "gates", 4);
  for (const tape of ["c", "act", "h", "zeros"]) toBand(f, tape);
  // the band's rows of x, and its panels of [x_t | h_{t-1}] (panels of MR rows, each inner floats a row)
  f.increment("x", () => f.get("row0").get("features").op("i32.mul").i32(FLOAT_BYTES).op("i32.mul"));
  f.increment("packedA", () => f.get("row0").get("inner").op("i32.mul").i32(FLOAT_BYTES).op("i32.mul"));
  f.i32(0).set("t");
  f.doWhile(
    () => {
      f.get("t").op("if");
      f.get("features").op("if");
      // gates[t] = [x_t | h_{t-1}] · [K; R]: the two tapes' rows packed side by side, one product
      f.get("x").get("xBlock").get("t").op("i32.mul").op("i32.add").i32(FLOAT_BYTES).get("features").i32(FLOAT_BYTES).op("i32.mul");
      f.get("rows").get("features").get("packedA").get("units").i32(mr * FLOAT_BYTES).op("i32.mul").call("packAInto");
      f.get("h").get("stateBlock").op("i32.sub").i32(FLOAT_BYTES).get("units").i32(FLOAT_BYTES).op("i32.mul");
      f.get("rows").get("units").get("packedA").get("features").i32(mr * FLOAT_BYTES).op("i32.mul").op("i32.add").get("features").i32(mr * FLOAT_BYTES).op("i32.mul").call("packAInto");
      f.get("rows").get("width").get("inner").get("packedA").i32(1).get("packedKR").get("gates").i32(0).get("scratch").call("gemm");
      f.op("else");
      f.get("rows").get("width").get("units").get("h").get("stateBlock").op("i32.sub").i32(0).get("packedR").get("gates").i32(1).get("scratch").call("gemm");
      f.op("end");
      f.get("c").get("stateBlock").op("i32.sub").set("cPrev");
      f.op("else");
      // gates[0] = x_0 · K (h_{-1} is zero), x's rows read in place
      f.get("features").op("if");
      f.get("rows").get("width").get("features").get("x").i32(0).get("packedK").get("gates").i32(0).get("scratch").call("gemm");
      f.op("end");
      f.get("zeros").set("cPrev");
      f.op("end");
      f.get("hasBias").op("if").get("gates").get("rows").get("width").get("bias").call("addBias").op("end");
      f.get("gates").get("rows").get("units").call("lstmGates");
      f.get("gates").get("cPrev").get("c").get("act").get("h").get("rows").get("units").call("lstmCell");
      f.increment("gates", () => f.get("stateBlock").i32(4).op("i32.mul"));
      for (const tape of ["c", "act", "h"]) f.increment(tape, () => f.get("stateBlock"));
      f.increment("t", () => f.i32(1));
    },
    () => f.get("t").get("steps").op("i32.ne"),
  );
}

function lstmWalkBackward(module: ModuleBuilder): void {
  const f = walkFunction(module, "lstmWalkBackward");
  f.local("width", "i32").local("cPrev", "i32");
  f.get("units").i32(4).op("i32.mul").set("width");
  toBand(f, "dz", 4);
  for (const tape of ["act", "c", "zeros", "dh", "dc"]) toBand(f, tape);
  f.get("steps").i32(1).op("i32.sub").set("t");
  f.increment("dz", () => f.get("t").get("stateBlock").i32(4).op("i32.mul").op("i32.mul"));
  for (const tape of ["act", "c"]) f.increment(tape, () => f.get("t").get("stateBlock").op("i32.mul"));
  f.doWhile(
    () => {
      f.get("t").op("if");
      f.get("c").get("stateBlock").op("i32.sub").set("cPrev");
      f.op("else");
      f.get("zeros").set("cPrev");
      f.op("end");
      f.get("dz").get("act").get("cPrev").get("dh").get("dc").get("rows").get("units").call("lstmBackward");
      f.get("t").op("if");
      f.get("rows").get("units").get("width").get("dz").i32(0).get("packedRT").get("dh").i32(0).get("scratch").call("gemm");
      f.op("end");
      f.get("dz").get("stateBlock").i32(4).op("i32.mul").op("i32.sub").set("dz");
      for (const tape of ["act", "c"]) f.get(tape).get("stateBlock").op("i32.sub").set(tape);
      f.increment("t", () => f.i32(-1));
    },
    () => f.get("t").i32(0).op("i32.ge_s"),
  );
}

/**
 * The gate functions, rows-kernel.ts' columnSums (a bias gradient from dZ in place), a pack of A's rows
 * into part of longer panels, and the walks, into gemm's module (after its functions, which the walks
 * call; `mr`: its tile's rows; `fused`: σ and tanh by relaxed_madd, as the module's build multiplies and adds).
 */
export function addWalkFunctions(module: ModuleBuilder, mr: number, fused = false): void {
  addGateFunctions(module, WIDE, fused);
  columnSumsFunction(module);
  packPanels(module, "packAInto", mr, true);
  simpleRnnWalkForward(module);
  simpleRnnWalkBackward(module);
  lstmWalkForward(module, mr);
  lstmWalkBackward(module);
}

export type WalkExports = Record<WalkName, (args: number, row0: number, rows: number, scratch: number) => void> & {
  /** rows-kernel.ts' columnSums: float64 sums (rowVectors·4 of them at sumsAt) of rows of rowVectors f32x4 vectors at `at`. */
  columnSums(at: number, rows: number, rowVectors: number, sumsAt: number): void;
};
