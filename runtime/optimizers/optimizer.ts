// What every optimiser provides, and what they share: gradient clipping (applied before the rule,
// as Keras 3's BaseOptimizer._clip_gradients), the step count, and saving the slot variables.
// Source: keras/src/optimizers/base_optimizer.py. optimizerOf runs a rule's JavaScript loop; models
// of a few hundred weights or more run it on WebAssembly SIMD instead (simd-optimizer.ts).
//
// "Allocates nothing" is kept in V8's terms too: a non-Smi number passed to or returned from a call
// that is not inlined is boxed (a heap allocation), so the per-step path passes only integers and
// arrays between functions; every fractional value lives in locals and typed arrays.

import { allFinite } from "./finite";

export interface Optimizer {
  /** Steps taken so far. */
  readonly iterations: number;
  /** Updates the weights in place from their gradients (which it leaves untouched). Allocates nothing. */
  apply(grads: readonly Float32Array[]): void;
  /**
   * As apply when every gradient is finite, and true; else false, with the weights, slots and
   * iterations as they were (a training step's guard). Allocates nothing.
   */
  applyIfFinite(grads: readonly Float32Array[]): boolean;
  /**
   * Where an optimiser running in a module's memory keeps its copies of the weights and gradients,
   * for a model to keep its own there (so that a step copies nothing): see SimdOptimizer. The views
   * stay valid while the optimiser lives. Absent or null where there is no such place.
   */
  adoptStore?(): { weights: Float32Array; grads: Float32Array } | null;
  /** The slot variables (`${slot}/${weightIndex}`, Keras' slot names) and `iterations`, for saving. */
  getState(): Map<string, Float32Array>;
  /** Restores a getState() result; throws, changing nothing, when it does not fit this optimiser. */
  setState(state: ReadonlyMap<string, Float32Array>): void;
}

export interface Clipping {
  readonly clipnorm?: number;
  readonly clipvalue?: number;
}

/** One array per weight, by slot name ("momentum", "velocity", ...). */
export type Slots = Readonly<Record<string, readonly Float32Array[]>>;

/** An update rule: the part that differs between optimisers. */
export interface Rule {
  readonly slots: Slots;
  /** Updates weight k from its (already clipped) gradient g; t is the step being taken, counted from 1. */
  update(k: number, g: Float32Array, t: number): void;
}

type Clipper = (k: number, g: Float32Array) => Float32Array;

/**
 * Keras' _clip_gradients, into a buffer per weight (float32, as Keras' clipped tensors): clipnorm
 * rescales each gradient tensor on its own (_clip_by_norm: g * clipnorm / max(||g||, clipnorm), not
 * the global norm); clipvalue clips each element to [-clipvalue, clipvalue]. Without either, g itself.
 * No number crosses a call boundary here, so nothing is boxed: clipping allocates nothing.
 */
function clipper({ clipnorm, clipvalue }: Clipping, weights: readonly Float32Array[]): Clipper {
  if (clipnorm === undefined && clipvalue === undefined) return (_k, g) => g;
  const buffers = zerosLike(weights);
  if (clipnorm !== undefined) {
    return (k, g) => {
      const out = buffers[k]!;
      const norm = Math.max(Math.sqrt(sumOfSquares(g)), clipnorm);
      for (let i = 0; i < g.length; i++) out[i] = (g[i]! * clipnorm) / norm;
      return out;
    };
  }
  const bound = clipvalue!;
  return (k, g) => {
    const out = buffers[k]!;
    for (let i = 0; i < g.length; i++) out[i] = g[i]! > bound ? bound : g[i]! < -bound ? -bound : g[i]!;
    return out;
  };
}

/**
 * Σ g², summed in float64 as two sums (over the even indices and over the odd ones, each in order)
 * added at the end: the order of the WebAssembly kernel's two float64 lanes, so that both paths give
 * the same norm to the last bit.
 */
function sumOfSquares(g: Float32Array): number {
  let even = 0;
  let odd = 0;
  const n = g.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    even += g[i]! * g[i]!;
    odd += g[i + 1]! * g[i + 1]!;
  }
  if (i < n) even += g[i]! * g[i]!;
  return even + odd;
}

export function zerosLike(weights: readonly Float32Array[], value = 0): Float32Array[] {
  return weights.map((w) => new Float32Array(w.length).fill(value));
}

export function checkClipping(name: string, { clipnorm, clipvalue }: Clipping): void {
  if (clipnorm !== undefined && clipvalue !== undefined) {
    throw new Error(`${name}: set clipnorm or clipvalue, not both (Keras allows only one), got clipnorm ${clipnorm} and clipvalue ${clipvalue}`);
  }
  for (const [key, value] of [
    ["clipnorm", clipnorm],
    ["clipvalue", clipvalue],
  ] as const) {
    if (value !== undefined && !(value > 0)) throw new Error(`${name}: ${key} must be a positive number, got ${value}`);
  }
}

export function checkGradients(grads: readonly Float32Array[], weights: readonly Float32Array[]): void {
  if (grads.length !== weights.length) throw new Error(`optimizer: ${grads.length} gradients for ${weights.length} weights`);
  for (let k = 0; k < grads.length; k++) {
    if (grads[k]!.length !== weights[k]!.length) throw new Error(`optimizer: gradient ${k} has ${grads[k]!.length} values, its weight ${weights[k]!.length}`);
  }
}

/**
 * The Optimizer running the rule over `weights` (updated in place). Every rule is elementwise, so when
 * the weights are consecutive views of one array and no clipnorm needs each weight's norm, the rule
 * runs once over that whole array (ruleFor gets it as a list of one): one loop per step instead of
 * one per weight. The state is still saved and restored per weight.
 */
export function optimizerOf(name: string, config: Clipping, weights: readonly Float32Array[], ruleFor: (targets: readonly Float32Array[]) => Rule): Optimizer {
  checkClipping(name, config);
  const whole = config.clipnorm === undefined && weights.length > 1 ? spanOf(weights) : null;
  const targets = whole ? [whole] : weights;
  const rule = ruleFor(targets);
  const slots = whole ? splitSlots(rule.slots, weights) : rule.slots;
  const clipped = clipper(config, targets);
  const gradients = new GradientTargets(weights, whole);
  let iterations = 0;
  // apply's and applyIfFinite's update written out in each: on a model of a few weights the step is
  // a few hundred nanoseconds, and a shared closure between them measurably adds to it
  return {
    get iterations() {
      return iterations;
    },
    apply(grads) {
      const g = gradients.of(grads);
      const t = iterations + 1;
      for (let k = 0; k < g.length; k++) rule.update(k, clipped(k, g[k]!), t);
      iterations = t;
    },
    applyIfFinite(grads) {
      const g = gradients.of(grads);
      for (let k = 0; k < g.length; k++) if (!allFinite(g[k]!)) return false;
      const t = iterations + 1;
      for (let k = 0; k < g.length; k++) rule.update(k, clipped(k, g[k]!), t);
      iterations = t;
      return true;
    },
    getState: () => slotState(slots, iterations),
    setState: (state) => void (iterations = restoreSlots(name, slots, state)),
  };
}

/** One array spanning the views, when they are consecutive in one buffer; else null. */
export function spanOf(views: readonly Float32Array[]): Float32Array | null {
  const first = views[0];
  if (!first) return null;
  let end = first.byteOffset;
  for (const view of views) {
    if (view.buffer !== first.buffer || view.byteOffset !== end) return null;
    end += view.byteLength;
  }
  return new Float32Array(first.buffer, first.byteOffset, (end - first.byteOffset) / Float32Array.BYTES_PER_ELEMENT);
}

/** Each slot's one array (over the whole weights) as views, one per weight. */
function splitSlots(slots: Slots, weights: readonly Float32Array[]): Slots {
  const split = (whole: Float32Array): Float32Array[] => {
    let at = 0;
    return weights.map((w) => whole.subarray(at, (at += w.length)));
  };
  return Object.fromEntries(Object.entries(slots).map(([slot, arrays]) => [slot, split(arrays[0]!)]));
}

/**
 * The gradients as the rule takes them: as given, or, when it runs over the whole weights, one array
 * spanning them (or a copy into one, when they are not consecutive). Checked once per distinct list.
 */
class GradientTargets {
  private seen: readonly Float32Array[] = [];
  private targets: readonly Float32Array[] = [];
  private copy: Float32Array | null = null;

  constructor(
    private readonly weights: readonly Float32Array[],
    private readonly whole: Float32Array | null,
  ) {}

  of(grads: readonly Float32Array[]): readonly Float32Array[] {
    if (!sameArrays(grads, this.seen)) this.adopt(grads);
    if (this.copy) {
      let at = 0;
      for (const g of grads) {
        this.copy.set(g, at);
        at += g.length;
      }
    }
    return this.targets;
  }

  private adopt(grads: readonly Float32Array[]): void {
    checkGradients(grads, this.weights);
    this.seen = [...grads];
    const span = this.whole ? spanOf(grads) : null;
    this.copy = this.whole && !span ? new Float32Array(this.whole.length) : null;
    this.targets = !this.whole ? grads : [span ?? this.copy!];
  }
}

export function sameArrays(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Slots named `${slot}/${index}`, plus `iterations` (a float32: exact to 2^24 steps, and beyond
 * that only Adam reads it, through beta^t, which has long been 0).
 */
export function slotState(slots: Slots, iterations: number): Map<string, Float32Array> {
  const state = new Map<string, Float32Array>([["iterations", Float32Array.of(iterations)]]);
  for (const [slot, arrays] of Object.entries(slots)) arrays.forEach((a, i) => state.set(`${slot}/${i}`, a.slice()));
  return state;
}

/** Checks every entry first, then copies: a state that does not fit changes nothing. */
export function restoreSlots(name: string, slots: Slots, state: ReadonlyMap<string, Float32Array>): number {
  const fail = (why: string): never => {
    throw new Error(`${name} state: ${why} (saved with another optimizer or another model?)`);
  };
  const iterations = state.get("iterations");
  if (!iterations || iterations.length !== 1 || !Number.isInteger(iterations[0]) || iterations[0]! < 0) fail("iterations is missing or not a step count");
  const expected = new Set(["iterations"]);
  for (const [slot, arrays] of Object.entries(slots)) {
    arrays.forEach((a, i) => {
      const key = `${slot}/${i}`;
      expected.add(key);
      const saved = state.get(key);
      if (!saved) fail(`${key} is missing`);
      else if (saved.length !== a.length) fail(`${key} has ${saved.length} values, expected ${a.length}`);
    });
  }
  for (const key of state.keys()) if (!expected.has(key)) fail(`unexpected entry ${key}`);
  for (const [slot, arrays] of Object.entries(slots)) arrays.forEach((a, i) => a.set(state.get(`${slot}/${i}`)!));
  return iterations![0]!;
}
