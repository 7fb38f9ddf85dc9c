// The WebAssembly SIMD module behind the optimisers. Every rule is elementwise over arrays of floats
// in the module's memory, at byte addresses w (the weights), g (their gradients) and s0, s1, s2 (the
// slots the rule uses; the others are ignored), `floats` of each (a positive multiple of
// FLOATS_PER_STEP):
//
//   sgd, sgdMomentum, sgdNesterov, adagrad, rmsprop, rmspropMomentum, rmspropCentered,
//   rmspropCenteredMomentum, adam      (w, g, s0, s1, s2, floats, hyper): one step of the rule
//   clipNorm(g, floats, hyper)         g *= clipnorm / max(‖g‖, clipnorm)
//   clipValue(g, floats, hyper)        g = min(max(g, -clipvalue), clipvalue)
//   allFinite(g, floats)               1 when every g is finite, else 0
//
// Their hyperparameters are float64s at byte address `hyper` (laid out as HYPER below), written by
// the host: the start of the module's own memory, or of the optimiser's region where the module runs
// on gemm's shared memory (its resident heap; simd-optimizer.ts).
//
// The module comes in two precisions (optimizerKernelModule's argument), the rules written once:
// - "float32": the rules in float32 lanes, four at a time, the hyperparameters rounded to float32.
//   Each operation rounds to float32, where the JavaScript loops of sgd.ts, adagrad.ts, rmsprop.ts
//   and adam.ts compute in float64 and round only what they store: the weights differ from theirs
//   in the last bits (a few float32 ulps of each step's increment), not bit-identical. The fastest:
//   its square roots and divisions take four lanes at a time, where float64 takes two, at about half
//   the speed each (bench/optimizer.ts: Adam 3 to 4 times faster than in float64 pairs).
// - "float64": the rules in float64 lanes, two at a time (f64x2, two pairs of floats per loop step),
//   each operation in the JavaScript's order, every slot rounded to float32 when stored and used as
//   stored: the results are bit-identical to the JavaScript's.
//
// clipNorm (in both) sums the squares in two float64 lanes (the elements at even and odd indices,
// each in order), as optimizer.ts' JavaScript does, so that every path clips alike to the last bit; a
// tensor starts at a 16-byte boundary and its padding is zeros, which add nothing. clipValue works in
// float32 lanes: clamping to the float32 nearest clipvalue gives what clamping to clipvalue in float64
// and rounding gives, so it too is bit-identical.

import { FunctionBuilder, i32Params, ModuleBuilder, type SharedMemoryImport } from "../wasm/wasm-assembler";
import type { GrowableMemory } from "../wasm/scratch-memory";

const FLOAT_BYTES = 4;
const PAIR_BYTES = 8;
const PAIRS_PER_STEP = 2;
export const FLOATS_PER_STEP = PAIRS_PER_STEP * 2;

/** The float64 hyperparameters' indices from their address. */
export const HYPER = {
  /** lr, momentum, beta1, rho, ... as each rule names them. */
  first: 0,
  /** clipnorm or clipvalue. */
  clip: 7,
  count: 8,
} as const;
export const HYPER_BYTES = HYPER.count * 8;

type ArrayName = "w" | "g" | "s0" | "s1" | "s2";
/** Pushes one f64x2 value. */
type Expr = () => void;

/** One pair of floats' step: its arrays' values in locals, and the operations on them. */
interface Pair {
  /** The value of array at this pair (as loaded, or as updated). */
  value(array: ArrayName): Expr;
  /** A hyperparameter, splatted. */
  hyper(name: string): Expr;
  /** array = value rounded to float32, stored; later value(array) reads the rounded value. */
  update(array: ArrayName, value: Expr): void;
}

interface RuleKernel {
  readonly name: string;
  /** Its hyperparameters' names, in the order of their float64s from HYPER.first. */
  readonly hyper: readonly string[];
  readonly reads: readonly ArrayName[];
  step(pair: Pair, op: Ops): void;
}

type Ops = ReturnType<typeof opsOf>;

/** How the rules compute: float64 pairs (bit-identical to the JavaScript), or float32 lanes, four at a time. */
export type Precision = "float64" | "float32";

function opsOf(f: FunctionBuilder, precision: Precision) {
  const lanes = precision === "float64" ? "f64x2" : "f32x4";
  const binary = (name: "add" | "sub" | "mul" | "div") => (a: Expr, b: Expr): Expr => () => {
    a();
    b();
    f.op(`${lanes}.${name}`);
  };
  return {
    add: binary("add"),
    sub: binary("sub"),
    mul: binary("mul"),
    div: binary("div"),
    sqrt: (a: Expr): Expr => () => {
      a();
      f.op(`${lanes}.sqrt`);
    },
  };
}

/** Each rule's operations in the order of its JavaScript loop: left to right, `a * b * c` being (a·b)·c. */
const RULES: readonly RuleKernel[] = [
  {
    name: "sgd",
    hyper: ["lr"],
    reads: ["w", "g"],
    step: (p, { sub, mul }) => p.update("w", sub(p.value("w"), mul(p.hyper("lr"), p.value("g")))),
  },
  ...[false, true].map(
    (nesterov): RuleKernel => ({
      name: nesterov ? "sgdNesterov" : "sgdMomentum",
      hyper: ["momentum", "lr"],
      reads: ["w", "g", "s0"],
      step(p, { add, sub, mul }) {
        const lrG = mul(p.hyper("lr"), p.value("g"));
        p.update("s0", sub(mul(p.hyper("momentum"), p.value("s0")), lrG));
        p.update("w", add(p.value("w"), nesterov ? sub(mul(p.hyper("momentum"), p.value("s0")), lrG) : p.value("s0")));
      },
    }),
  ),
  {
    name: "adagrad",
    hyper: ["lr", "epsilon"],
    reads: ["w", "g", "s0"],
    step(p, { add, sub, mul, div, sqrt }) {
      const g = p.value("g");
      p.update("s0", add(p.value("s0"), mul(g, g)));
      p.update("w", sub(p.value("w"), div(mul(p.hyper("lr"), g), sqrt(add(p.value("s0"), p.hyper("epsilon"))))));
    },
  },
  ...[false, true].flatMap((centered) =>
    [false, true].map(
      (momentum): RuleKernel => ({
        name: `rmsprop${centered ? "Centered" : ""}${momentum ? "Momentum" : ""}`,
        hyper: ["rho", "oneMinusRho", "lr", "epsilon", "momentum"],
        // s0 velocity, s1 momentum, s2 average gradient
        reads: ["w", "g", "s0", ...(momentum ? ["s1" as const] : []), ...(centered ? ["s2" as const] : [])],
        step(p, { add, sub, mul, div, sqrt }) {
          const g = p.value("g");
          const rho = p.hyper("rho");
          const oneMinusRho = p.hyper("oneMinusRho");
          p.update("s0", add(mul(rho, p.value("s0")), mul(mul(oneMinusRho, g), g)));
          let denominator = add(p.value("s0"), p.hyper("epsilon"));
          if (centered) {
            p.update("s2", add(mul(rho, p.value("s2")), mul(oneMinusRho, g)));
            denominator = add(sub(p.value("s0"), mul(p.value("s2"), p.value("s2"))), p.hyper("epsilon"));
          }
          const increment = div(mul(p.hyper("lr"), g), sqrt(denominator));
          if (!momentum) return p.update("w", sub(p.value("w"), increment));
          p.update("s1", add(mul(p.hyper("momentum"), p.value("s1")), increment));
          p.update("w", sub(p.value("w"), p.value("s1")));
        },
      }),
    ),
  ),
  {
    name: "adam",
    hyper: ["alpha", "beta1", "oneMinusBeta1", "beta2", "oneMinusBeta2", "epsilon"],
    // s0 momentum, s1 velocity
    reads: ["w", "g", "s0", "s1"],
    step(p, { add, sub, mul, div, sqrt }) {
      const g = p.value("g");
      p.update("s0", add(mul(p.hyper("beta1"), p.value("s0")), mul(p.hyper("oneMinusBeta1"), g)));
      p.update("s1", add(mul(p.hyper("beta2"), p.value("s1")), mul(mul(p.hyper("oneMinusBeta2"), g), g)));
      p.update("w", sub(p.value("w"), div(mul(p.hyper("alpha"), p.value("s0")), add(sqrt(p.value("s1")), p.hyper("epsilon")))));
    },
  },
];

export type RuleName = "sgd" | "sgdMomentum" | "sgdNesterov" | "adagrad" | "rmsprop" | "rmspropMomentum" | "rmspropCentered" | "rmspropCenteredMomentum" | "adam";

/** The index of each rule's hyperparameter, for the host writing them. */
export function hyperIndex(rule: RuleName, name: string): number {
  const index = RULES.find((r) => r.name === rule)!.hyper.indexOf(name);
  if (index === -1) throw new Error(`optimizer kernel: ${rule} has no hyperparameter ${name}`);
  return HYPER.first + index;
}

const ARRAYS: readonly ArrayName[] = ["w", "g", "s0", "s1", "s2"];

/** do { ...; at += step } while (at < end), with `at` a byte index into every array and `end` floats · 4. */
function loopOverFloats(f: FunctionBuilder, stepBytes: number, body: () => void): void {
  f.local("at", "i32").local("end", "i32");
  f.get("floats").i32(FLOAT_BYTES).op("i32.mul").set("end");
  f.doWhile(
    () => {
      body();
      f.increment("at", () => f.i32(stepBytes));
    },
    () => f.get("at").get("end").op("i32.lt_u"),
  );
}

function ruleFunction(module: ModuleBuilder, rule: RuleKernel, precision: Precision): void {
  const f = module.function(rule.name, i32Params(...ARRAYS, "floats", "hyper"), [], true);
  const wide = precision === "float64";
  // float64: two pairs of floats per step, each pair widened into an f64x2; float32: one f32x4
  const parts = wide ? PAIRS_PER_STEP : 1;
  const partBytes = wide ? PAIR_BYTES : FLOATS_PER_STEP * FLOAT_BYTES;
  for (const name of rule.hyper) f.local(`hyper_${name}`, "v128");
  for (let part = 0; part < parts; part++) for (const array of rule.reads) f.local(`${array}${part}`, "v128");
  f.local("rounded", "v128");
  rule.hyper.forEach((name, index) => {
    f.get("hyper");
    if (wide) f.op("v128.load64_splat", (HYPER.first + index) * 8);
    else f.op("f64.load", (HYPER.first + index) * 8).op("f32.demote_f64").op("f32x4.splat");
    f.set(`hyper_${name}`);
  });
  const address = (array: ArrayName) => f.get(array).get("at").op("i32.add");
  const ops = opsOf(f, precision);
  loopOverFloats(f, FLOATS_PER_STEP * FLOAT_BYTES, () => {
    for (let part = 0; part < parts; part++) {
      const offset = part * partBytes;
      for (const array of rule.reads) {
        if (wide) address(array).op("v128.load64_splat", offset).op("f64x2.promote_low_f32x4");
        else address(array).op("v128.load", offset);
        f.set(`${array}${part}`);
      }
      rule.step(
        {
          value: (array) => () => void f.get(`${array}${part}`),
          hyper: (name) => () => void f.get(`hyper_${name}`),
          update(array, value) {
            address(array);
            value();
            if (!wide) return void f.tee(`${array}${part}`).op("v128.store", offset);
            f.op("f32x4.demote_f64x2_zero").tee("rounded").op("v128.store64_lane", offset);
            f.get("rounded").op("f64x2.promote_low_f32x4").set(`${array}${part}`);
          },
        },
        ops,
      );
    }
  });
}

/** g *= clipnorm / max(sqrt(Σ g²), clipnorm), in float64 pairs (the sum in two lanes: even and odd indices). */
function clipNormFunction(module: ModuleBuilder): void {
  const f = module.function("clipNorm", i32Params("g", "floats", "hyper"), [], true);
  f.local("squares", "v128").local("x", "v128").local("norm", "f64").local("clipnorm", "f64").local("scale", "v128").local("divisor", "v128");
  const load = (offset: number) => f.get("g").get("at").op("i32.add").op("v128.load64_splat", offset).op("f64x2.promote_low_f32x4");
  f.get("hyper").op("f64.load", HYPER.clip * 8).set("clipnorm");
  f.op("v128.const", new Array(16).fill(0)).set("squares");
  loopOverFloats(f, PAIRS_PER_STEP * PAIR_BYTES, () => {
    for (let pair = 0; pair < PAIRS_PER_STEP; pair++) {
      f.get("squares");
      load(pair * PAIR_BYTES).tee("x").get("x").op("f64x2.mul");
      f.op("f64x2.add").set("squares");
    }
  });
  f.get("squares").op("f64x2.extract_lane", 0).get("squares").op("f64x2.extract_lane", 1).op("f64.add").op("f64.sqrt");
  f.get("clipnorm").op("f64.max").set("norm");
  f.get("clipnorm").op("f64x2.splat").set("scale");
  f.get("norm").op("f64x2.splat").set("divisor");
  f.i32(0).set("at");
  f.doWhile(
    () => {
      for (let pair = 0; pair < PAIRS_PER_STEP; pair++) {
        f.get("g").get("at").op("i32.add");
        load(pair * PAIR_BYTES).get("scale").op("f64x2.mul").get("divisor").op("f64x2.div");
        f.op("f32x4.demote_f64x2_zero").op("v128.store64_lane", pair * PAIR_BYTES);
      }
      f.increment("at", () => f.i32(PAIRS_PER_STEP * PAIR_BYTES));
    },
    () => f.get("at").get("end").op("i32.lt_u"),
  );
}

/** g = min(max(g, -bound), bound), with bound the float32 nearest clipvalue; NaN stays NaN. */
function clipValueFunction(module: ModuleBuilder): void {
  const f = module.function("clipValue", i32Params("g", "floats", "hyper"), [], true);
  f.local("bound", "v128").local("negated", "v128");
  f.get("hyper").op("f64.load", HYPER.clip * 8).op("f32.demote_f64").op("f32x4.splat").tee("bound").op("f32x4.neg").set("negated");
  loopOverFloats(f, FLOATS_PER_STEP * FLOAT_BYTES, () => {
    f.get("g").get("at").op("i32.add");
    // pmax(x, -b) = x < -b ? -b : x, pmin(y, b) = b < y ? b : y: NaN passes through, as in the JavaScript
    f.get("g").get("at").op("i32.add").op("v128.load", 0).get("negated").op("f32x4.pmax");
    f.get("bound").op("f32x4.pmin").op("v128.store", 0);
  });
}

/**
 * allFinite(g, floats): 1 when every float is finite, else 0. g·0 is ±0 for a finite g, NaN otherwise,
 * and NaN sticks in a sum. With `sumCount` sums (gemm's module: four), each a vector of a step of that
 * many vectors, then a vector a step for the floats left: one sum's additions wait on each other, four
 * keep the adders busy (58 µs against 151 over lstm's 690,000 gradients, in cache). The module of its
 * own keeps one, to stay under a browser's limit for compiling on its main thread.
 */
function allFiniteFunction(module: ModuleBuilder, sumCount: number): void {
  const f = module.function("allFinite", i32Params("g", "floats"), ["i32"], true);
  const sums = Array.from({ length: sumCount }, (_, s) => `sum${s}`);
  for (const sum of sums) f.local(sum, "v128");
  f.local("zero", "v128").local("total", "f32").local("end", "i32").local("wideEnd", "i32");
  f.op("v128.const", new Array(16).fill(0));
  for (const sum of sums) f.tee(sum);
  f.set("zero");
  const loopTo = (limit: string, body: () => void, stepBytes: number) => {
    f.get("g").get(limit).op("i32.lt_u").op("if");
    f.doWhile(() => (body(), f.increment("g", () => f.i32(stepBytes))), () => f.get("g").get(limit).op("i32.lt_u"));
    f.op("end");
  };
  const add = (sum: string, offset: number) => f.get(sum).get("g").op("v128.load", offset).get("zero").op("f32x4.mul").op("f32x4.add").set(sum);
  // g walks on to its end: first up to wideEnd, floats rounded down to whole steps of the sums' vectors
  f.get("g").get("floats").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("end");
  if (sumCount > 1) {
    f.get("g").get("floats").i32(-FLOATS_PER_STEP * sumCount).op("i32.and").i32(FLOAT_BYTES).op("i32.mul").op("i32.add").set("wideEnd");
    loopTo("wideEnd", () => sums.forEach((sum, s) => add(sum, s * FLOATS_PER_STEP * FLOAT_BYTES)), sumCount * FLOATS_PER_STEP * FLOAT_BYTES);
  }
  // then a vector a step (reading up to 3 floats of padding past the last, as every rule does)
  loopTo("end", () => add("sum0", 0), FLOATS_PER_STEP * FLOAT_BYTES);
  for (let s = 1; s < sumCount; s++) f.get("sum0").get(sums[s]!).op("f32x4.add").set("sum0");
  for (let lane = 0; lane < 4; lane++) {
    f.get("sum0").op("f32x4.extract_lane", lane);
    if (lane > 0) f.op("f32.add");
  }
  f.tee("total").get("total").op("f32.eq");
}

/**
 * The module's bytes. Its memory starts at one page; the host grows it once, to fit the optimiser's
 * arrays. Given `shared`, it imports a shared memory instead (env.memory: gemm's).
 */
export function optimizerKernelModule(precision: Precision = "float64", shared?: SharedMemoryImport): Uint8Array {
  const module = new ModuleBuilder(1, shared);
  addOptimizerFunctions(module, precision);
  return module.encode();
}

/** The rules, clipNorm, clipValue and allFinite, exported, into a module (gemm's too: band-kernels.ts runs the rules on its threads). */
export function addOptimizerFunctions(module: ModuleBuilder, precision: Precision, finiteSums = 1): void {
  for (const rule of RULES) ruleFunction(module, rule, precision);
  clipNormFunction(module);
  clipValueFunction(module);
  allFiniteFunction(module, finiteSums);
}

/** Every rule's name, in the kernel's order. */
export const RULE_NAMES: readonly RuleName[] = RULES.map((rule) => rule.name as RuleName);

type RuleFunction = (w: number, g: number, s0: number, s1: number, s2: number, floats: number, hyper: number) => void;

export type OptimizerKernelExports = { readonly memory: GrowableMemory } & Record<RuleName, RuleFunction> & {
    clipNorm(g: number, floats: number, hyper: number): void;
    clipValue(g: number, floats: number, hyper: number): void;
    allFinite(g: number, floats: number): number;
  };
