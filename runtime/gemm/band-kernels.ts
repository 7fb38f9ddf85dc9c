// The functions of gemm's threaded module that the calling thread and gemm's worker threads run on
// bands of rows, a band each (gemm-threads.ts' band jobs): the recurrent walks (walk-kernel.ts), and
// the kernels that work on gemm's resident heap where a step spends most outside the products: the
// softmax of a wide layer and the optimisers' rules. Every band function has the walks' signature,
//
//   name(args, row0, rows, scratch)
//       args: the byte address of its i32 arguments (below, in order); row0 and rows: the band.
//
//   packBBand     src, kStride, lineStride, lines, k, packed, skip: simd-pack.ts' packB on panels row0 … (NR
//                 lines each), `skip` bytes left after each panel (packBInto: k rows of longer panels)
//   packABand     the same for packA (panels of MR lines; walk-kernel.ts' packAInto)
//   packBSumsBand src, kStride, lines, k, packed, sumsAt: simd-pack.ts' packColumnSums (B's panels, and its
//                 columns' float64 sums) on panels row0 …
//   softmaxBand   at, rowFloats, biasAt:   softmax-kernel.ts' softmax on rows row0 … of rowFloats floats at `at`
//   <rule>Band    w, g, s0, s1, s2, floats, hyper: optimizer-kernel.ts' rule (float32 lanes) on floats
//                 row0·RULE_ROW_FLOATS … of each array, the last band ending at `floats`
//   allFiniteBand the rules' arguments, then a flag: optimizer-kernel.ts' allFinite on the band's floats
//                 of g, the flag (the i32 at FINITE_FLAG_OFFSET, which the caller sets to 1) set to 0
//                 where one is not finite
//
//   gatherRowsBand, zeroRowsBand, scatterAddRowsBand: an embedding's rows moved by id (rows-by-id-kernel.ts)
//
// A band computes exactly what the whole call computes on its rows or floats (each row's softmax,
// each weight's step, depends on nothing else), so results are the same bits on any thread count.

import { i32Params, type ModuleBuilder } from "../wasm/wasm-assembler";
import type { Tile } from "./tile";
import { packColumnSums, packPanels } from "./simd-pack";
import { addWalkFunctions, WALKS } from "../recurrent/walk-kernel";
import { softmaxFunction } from "../activations/softmax-kernel";
import { addOptimizerFunctions, RULE_NAMES, type RuleName } from "../optimizers/optimizer-kernel";
import { addRowsByIdFunctions, ROWS_BY_ID_BANDS } from "../sparse/rows-by-id-kernel";
import { addRowsBandFunctions, ROWS_BANDS, type RowsBandName } from "../rows/rows-bands-kernel";

/** allFinite's sums in gemm's module (optimizer-kernel.ts): four keep the adders busy. */
const GEMM_FINITE_SUMS = 4;

const FLOAT_BYTES = 4;
/** The floats of a rule band's row: a multiple of the rules' step of 4 floats. */
export const RULE_ROW_FLOATS = 256;

const ruleBand = (rule: RuleName) => `${rule}Band` as const;

/** The band functions, in the order of their job kinds (gemm-job.ts: kind 1 is the first). */
export const BANDS = [...WALKS, "packBBand", "packABand", "packBSumsBand", "softmaxBand", ...ROWS_BY_ID_BANDS, ...RULE_NAMES.map(ruleBand), "allFiniteBand", ...ROWS_BANDS] as const;
export type BandName = (typeof WALKS)[number] | "packBBand" | "packABand" | "packBSumsBand" | "softmaxBand" | (typeof ROWS_BY_ID_BANDS)[number] | `${RuleName}Band` | "allFiniteBand" | RowsBandName;

const BAND_INDEX = new Map<string, number>(BANDS.map((name, index) => [name, index]));
/** A band function's place in BANDS (its job kind is one more), looked up once, not searched per call. */
export const bandIndex = (name: BandName): number => BAND_INDEX.get(name)!;

/**
 * The band functions and what they call, exported, into gemm's module (after gemm's own functions, which
 * the walks and packs call; `tile`: the module's; `fused`: whether its build multiplies and adds by
 * relaxed_madd, which the walks' σ and tanh then do too).
 */
export function addBandFunctions(module: ModuleBuilder, tile: Tile, fused = false): void {
  addWalkFunctions(module, tile.mr, fused);
  packPanels(module, "packBInto", tile.nr, true);
  packBand(module, "packBBand", "packBInto", tile.nr);
  packBand(module, "packABand", "packAInto", tile.mr);
  packColumnSums(module, "packBColumnSums", tile.nr);
  packSumsBand(module, tile.nr);
  softmaxFunction(module);
  softmaxBand(module);
  addOptimizerFunctions(module, "float32", GEMM_FINITE_SUMS);
  for (const rule of RULE_NAMES) ruleBandFunction(module, rule);
  allFiniteBandFunction(module);
  addRowsByIdFunctions(module);
  addRowsBandFunctions(module);
}

/**
 * A pack on the band's panels: its source `row0·width` lines in, its lines cut at the operand's last,
 * its panels `row0` panels into packed (each `width·k` floats and `skip` bytes).
 */
function packBand(module: ModuleBuilder, name: string, pack: string, width: number): void {
  const f = module.function(name, i32Params("args", "row0", "rows", "scratch"), [], true);
  f.local("first", "i32").local("lines", "i32").local("panelBytes", "i32");
  f.get("row0").i32(width).op("i32.mul").set("first");
  f.setMinUnsigned("lines", () => f.get("rows").i32(width).op("i32.mul"), () => f.get("args").op("i32.load", 12).get("first").op("i32.sub"));
  f.get("args").op("i32.load", 16).i32(width * FLOAT_BYTES).op("i32.mul").set("panelBytes");
  f.increment("panelBytes", () => f.get("args").op("i32.load", 24));
  f.get("args").op("i32.load", 0).get("first").get("args").op("i32.load", 8).op("i32.mul").op("i32.add");
  f.get("args").op("i32.load", 4).get("args").op("i32.load", 8).get("lines").get("args").op("i32.load", 16);
  f.get("args").op("i32.load", 20).get("row0").get("panelBytes").op("i32.mul").op("i32.add");
  f.get("args").op("i32.load", 24);
  f.call(pack);
}

/** packBColumnSums on the band's panels: its source's `row0·width` columns in, its panels `row0·width·k` floats into packed, its sums `row0·width` float64s into sumsAt. */
function packSumsBand(module: ModuleBuilder, width: number): void {
  const f = module.function("packBSumsBand", i32Params("args", "row0", "rows", "scratch"), [], true);
  f.local("first", "i32").local("lines", "i32");
  f.get("row0").i32(width).op("i32.mul").set("first");
  f.setMinUnsigned("lines", () => f.get("rows").i32(width).op("i32.mul"), () => f.get("args").op("i32.load", 8).get("first").op("i32.sub"));
  f.get("args").op("i32.load", 0).get("first").i32(FLOAT_BYTES).op("i32.mul").op("i32.add");
  f.get("args").op("i32.load", 4).get("lines").get("args").op("i32.load", 12);
  f.get("args").op("i32.load", 16).get("first").get("args").op("i32.load", 12).op("i32.mul").i32(FLOAT_BYTES).op("i32.mul").op("i32.add");
  f.get("args").op("i32.load", 20).get("first").i32(8).op("i32.mul").op("i32.add");
  f.call("packBColumnSums");
}

function softmaxBand(module: ModuleBuilder): void {
  const f = module.function("softmaxBand", i32Params("args", "row0", "rows", "scratch"), [], true);
  f.local("rowFloats", "i32");
  f.get("args").op("i32.load", 4).set("rowFloats");
  f.get("args").op("i32.load", 0).get("row0").get("rowFloats").op("i32.mul").i32(FLOAT_BYTES).op("i32.mul").op("i32.add");
  f.get("rows").get("rowFloats").get("args").op("i32.load", 8).call("softmax");
}

function ruleBandFunction(module: ModuleBuilder, rule: RuleName): void {
  const f = module.function(ruleBand(rule), i32Params("args", "row0", "rows", "scratch"), [], true);
  f.local("first", "i32").local("offset", "i32").local("count", "i32");
  f.get("row0").i32(RULE_ROW_FLOATS).op("i32.mul").set("first");
  f.get("first").i32(FLOAT_BYTES).op("i32.mul").set("offset");
  f.setMinUnsigned("count", () => f.get("rows").i32(RULE_ROW_FLOATS).op("i32.mul"), () => f.get("args").op("i32.load", 20).get("first").op("i32.sub"));
  // w, g, s0, s1, s2 from the band's first float (an unused slot's address moves too, and is never read)
  for (let array = 0; array < 5; array++) f.get("args").op("i32.load", array * 4).get("offset").op("i32.add");
  f.get("count").get("args").op("i32.load", 24).call(rule);
}

/** Where allFiniteBand's flag is in its arguments: after the rules' seven. */
export const FINITE_FLAG_OFFSET = 28;

function allFiniteBandFunction(module: ModuleBuilder): void {
  const f = module.function("allFiniteBand", i32Params("args", "row0", "rows", "scratch"), [], true);
  f.local("first", "i32").local("count", "i32");
  f.get("row0").i32(RULE_ROW_FLOATS).op("i32.mul").set("first");
  f.setMinUnsigned("count", () => f.get("rows").i32(RULE_ROW_FLOATS).op("i32.mul"), () => f.get("args").op("i32.load", 20).get("first").op("i32.sub"));
  f.get("args").op("i32.load", 4).get("first").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").get("count").call("allFinite");
  f.i32(0).op("i32.eq").op("if");
  f.get("args").i32(0).op("i32.store", FINITE_FLAG_OFFSET);
  f.op("end");
}

/** Rows of a rule band job over `floats` floats. */
export const ruleRows = (floats: number): number => Math.ceil(floats / RULE_ROW_FLOATS);

/** The band function of a rule. */
export const ruleBandName = (rule: RuleName): BandName => ruleBand(rule);
