// An optimiser whose rule runs in the WebAssembly SIMD module of optimizer-kernel.ts, in float32 lanes
// (its weights within float32 rounding of the JavaScript rule's, optimizer.ts' optimizerOf, not
// bit-identical) or in float64 pairs (bit-identical to it, and slower). Each optimiser has a block of
// memory: where the host has threads, a region of gemm's resident heap (so that gemm multiplies
// adopted weights where they lie), with the float32 kernel in gemm's own module (band-kernels.ts: its
// threads then run the rule in bands of the weights) and the float64 one an instance on gemm's shared
// memory; elsewhere an instance of the module of its own and that instance's memory. Its slots live there for good (getState
// and setState read and write them there), with a copy of the weights and their gradients. A step copies the gradients and the
// weights in (the model's weights may have been set since the last step, and live elsewhere: in a
// JavaScript array, or in the fused dense step's own module), runs the clipping and the rule once
// over every weight, and copies the weights out. Each copy is a TypedArray.set (a memcpy). As a
// training step's guard, applyIfFinite asks the module whether the gradients it took are finite.
//
// The block, laid out once (an own memory is never grown after, so that the views on it stay valid):
//   [HYPER_BYTES of float64 hyperparameters | the rule's band arguments | weights | gradients | slot 0 | slot 1 | slot 2]
// each array region holding every weight tensor one after another, as a model's weight store does,
// or, with clipnorm (a norm per tensor), each from a 16-byte boundary; zeros pad a region (a padding
// float is updated as a weight of 0 with gradient 0, which stays finite and is never read).
//
// A model whose weights are all the optimiser's and live nowhere else may keep them, and their
// gradients, in this block for good (adoptStore): then a step copies nothing, since each copy's
// source and target are one memory. A heap region goes back when its optimiser is collected, so a
// model that adopts the views keeps the optimiser.

import { compileKernel, instanceOf } from "../wasm/instantiate";
import { onGemmMemory } from "../gemm/gemm-memory-kernel";
import { simdGemm } from "../gemm/gemm";
import type { SimdGemm } from "../gemm/simd-gemm";
import { FINITE_FLAG_OFFSET, ruleBandName, ruleRows, RULE_ROW_FLOATS, type BandName } from "../gemm/band-kernels";
import type { SharedMemoryImport } from "../wasm/wasm-assembler";
import { ScratchMemory } from "../wasm/scratch-memory";
import { hostWasm, type WasmApi, type WasmModule } from "../wasm/wasm-api";
import { checkClipping, checkGradients, restoreSlots, sameArrays, slotState, type Clipping, type Optimizer, type Slots } from "./optimizer";
import { FLOATS_PER_STEP, HYPER, HYPER_BYTES, hyperIndex, optimizerKernelModule, type OptimizerKernelExports, type Precision, type RuleName } from "./optimizer-kernel";

/**
 * Where an optimiser runs: "simd" on the WebAssembly SIMD kernel in float32 lanes (the fastest; its
 * weights differ from the JavaScript's in the last bits), "simd-float64" on the kernel in float64
 * pairs (bit-identical to the JavaScript), "js" in JavaScript, "auto" as "simd" for models of
 * SIMD_MIN_WEIGHTS weights or more and as "js" below. Where the host has no WebAssembly SIMD, all run
 * in JavaScript.
 */
export type OptimizerPath = "auto" | "simd" | "simd-float64" | "js";

/**
 * Below this many weights, "auto" runs the JavaScript rule: a step of the SIMD one has a fixed cost of
 * about half a microsecond (calls into the module, copies per tensor), as much as plain SGD takes in
 * JavaScript for about a hundred weights (bench/optimizer.ts: even at 72 weights, SGD; Adam twice as fast).
 */
export const SIMD_MIN_WEIGHTS = 256;

/** What the kernel needs of an optimiser. */
export interface KernelPlan {
  readonly rule: RuleName;
  /** Keras' names of the slots s0, s1, s2 and their initial value; null for one the rule does not use. */
  readonly slots: readonly (readonly [name: string, initial: number] | null)[];
  /** The rule's hyperparameters, by the kernel's names. */
  readonly hyper: Readonly<Record<string, number>>;
  /** Sets those that change from step to step (Adam's alpha) for step t, in hyper. */
  readonly perStep?: (t: number, hyper: Float64Array) => void;
}

/** Where an optimiser's kernel runs and its arrays lie. */
interface Placement {
  readonly kernel: OptimizerKernelExports;
  /** A block of `bytes` that stays while `owner` lives: its memory's buffer, and its byte address there. */
  reserve(bytes: number, owner: object): { buffer: ArrayBufferLike; base: number };
  /** gemm's module where the kernel is its (float32 lanes on a host with threads): the rule then runs in bands on gemm's threads. */
  readonly gemm: SimdGemm | null;
}

const compiled: Record<Precision, WeakMap<WasmApi, WasmModule | null>> = { float32: new WeakMap(), float64: new WeakMap() };
const forSharedMemory: Record<Precision, (shared: SharedMemoryImport) => Uint8Array> = {
  float32: (shared) => optimizerKernelModule("float32", shared),
  float64: (shared) => optimizerKernelModule("float64", shared),
};

/**
 * The kernel on gemm's shared memory, its arrays in gemm's resident heap (so that gemm multiplies
 * adopted weights and gradients where they lie), where the host has that heap; else null. Float32
 * lanes run on the kernels in gemm's own module (band-kernels.ts), whose threads run the rule in bands.
 */
function heapPlacement(wasm: WasmApi, precision: Precision): Placement | null {
  const gemm = wasm === hostWasm() ? simdGemm() : null;
  const heap = gemm?.residentHeap;
  if (!gemm || !heap) return null;
  const reserve = (bytes: number, owner: object) => {
    const block = heap.floats(bytes / FLOAT_BYTES, owner);
    return { buffer: block.buffer, base: block.byteOffset };
  };
  const inGemm = precision === "float32" ? gemm.exportsOf<Omit<OptimizerKernelExports, "memory">>() : null;
  if (inGemm) return { kernel: { ...inGemm, memory: gemm.wasmMemory }, reserve, gemm };
  const onGemm = onGemmMemory<Omit<OptimizerKernelExports, "memory">>(forSharedMemory[precision], wasm);
  return onGemm && { kernel: { ...onGemm.exports, memory: onGemm.memory }, reserve, gemm: null };
}

/** A new instance of the kernel with a memory of its own, compiled once per host and precision. */
function ownPlacement(wasm: WasmApi, precision: Precision): Placement | null {
  const modules = compiled[precision];
  if (!modules.has(wasm)) modules.set(wasm, compileKernel(optimizerKernelModule(precision), wasm));
  const module = modules.get(wasm);
  const kernel = module ? instanceOf<OptimizerKernelExports>(module, wasm) : null;
  return kernel && { kernel, reserve: (bytes: number) => ({ buffer: new ScratchMemory(kernel.memory).floats(bytes).buffer, base: 0 }), gemm: null };
}

/**
 * The optimiser on the WebAssembly SIMD module when `path` asks for it and the host has it; null
 * for the JavaScript one. Refuses bad clipping settings either way. It starts in a memory of its own
 * (copies into it are the fastest); adoptStore moves it into gemm's resident heap where there is one.
 */
export function simdOptimizer(name: string, config: Clipping, weights: readonly Float32Array[], plan: KernelPlan, path: OptimizerPath, wasm: WasmApi | null = hostWasm()): Optimizer | null {
  checkClipping(name, config);
  const count = weights.reduce((sum, w) => sum + w.length, 0);
  if (path === "js" || (path === "auto" && count < SIMD_MIN_WEIGHTS) || !wasm) return null;
  const precision = path === "simd-float64" ? "float64" : "float32";
  const place = ownPlacement(wasm, precision);
  return place && new SimdOptimizer(name, config, weights, plan, place, () => heapPlacement(wasm, precision));
}

/** The rule's arguments for its band function (band-kernels.ts), after the hyperparameters: w, g, s0, s1, s2, floats, hyper, then allFiniteBand's flag. */
const RULE_ARGS_BYTES = FINITE_FLAG_OFFSET + 4;
/** About what a weight's step costs, in multiply-adds: what gemm's threads weigh against handing a band over. */
const WORK_PER_FLOAT = 8;
/** What checking a gradient costs, in the same units. */
const FINITE_WORK_PER_FLOAT = 2;

const roundUp = (n: number): number => Math.ceil(n / FLOATS_PER_STEP) * FLOATS_PER_STEP;

/** to.set(from), unless they are one region of one memory (a model's weights kept in the optimiser's memory). */
function copyUnlessSame(from: Float32Array, to: Float32Array): void {
  if (from.buffer !== to.buffer || from.byteOffset !== to.byteOffset) to.set(from);
}
const FLOAT_BYTES = 4;

class SimdOptimizer implements Optimizer {
  private steps = 0;
  /** Floats in each array region: every tensor, padded. */
  private readonly floats: number;
  /** Byte addresses of the hyperparameters and of the regions: weights, gradients, slots 0 to 2 (0 for a slot not used). */
  private at!: { hyper: number; w: number; g: number; s: [number, number, number] };
  /** Each tensor's byte offset in a region, and its padded length. */
  private readonly offsets: number[] = [];
  private readonly padded: number[];
  private hyper!: Float64Array;
  private weightViews!: Float32Array[];
  private gradientViews!: Float32Array[];
  private slots!: Slots;
  private run!: OptimizerKernelExports[RuleName];
  private readonly perStep: ((t: number, hyper: Float64Array) => void) | null;
  private kernel!: OptimizerKernelExports;
  /** gemm's module, whose threads run the rule in bands (its function `band`), or null. */
  private gemm: SimdGemm | null = null;
  /** allFiniteBand's flag, in the rule's band arguments. */
  private finiteFlag: Int32Array<ArrayBufferLike> = new Int32Array(1);
  private readonly band: BandName;
  /** The block's bytes, and where it is. */
  private readonly blockBytes: number;
  private block!: { buffer: ArrayBufferLike; base: number };
  private readonly clipping: "none" | "norm" | "value";
  private seen: readonly Float32Array[] = [];

  constructor(
    private readonly name: string,
    config: Clipping,
    private weights: readonly Float32Array[],
    private readonly plan: KernelPlan,
    place: Placement,
    /** Where adoptStore moves the block: gemm's resident heap, or null where there is none. */
    private readonly heap: () => Placement | null,
  ) {
    // clipnorm takes each tensor's norm over whole steps of the kernel, so each tensor is padded to them
    this.padded = weights.map((w) => (config.clipnorm !== undefined ? roundUp(w.length) : w.length));
    let offset = 0;
    for (const floats of this.padded) {
      this.offsets.push(offset * FLOAT_BYTES);
      offset += floats;
    }
    this.floats = roundUp(offset);
    const slotCount = plan.slots.filter((slot) => slot !== null).length;
    this.blockBytes = HYPER_BYTES + RULE_ARGS_BYTES + (2 + slotCount) * this.floats * FLOAT_BYTES;
    this.band = ruleBandName(plan.rule);
    this.layOut(place);
    plan.slots.forEach((slot, s) => {
      if (slot) new Float32Array(this.block.buffer, this.at.s[s], this.floats).fill(slot[1]);
    });
    for (const [key, value] of Object.entries(plan.hyper)) this.hyper[hyperIndex(plan.rule, key)] = value;
    this.hyper[HYPER.clip] = config.clipnorm ?? config.clipvalue ?? 0;
    this.clipping = config.clipnorm !== undefined ? "norm" : config.clipvalue !== undefined ? "value" : "none";
    this.perStep = plan.perStep ?? null;
  }

  /** The block placed by `place` (its bytes copied from where it was, if anywhere), and every address and view into it. */
  private layOut(place: Placement): void {
    const block = place.reserve(this.blockBytes, this);
    if (this.block) new Uint8Array(block.buffer, block.base, this.blockBytes).set(new Uint8Array(this.block.buffer, this.block.base, this.blockBytes));
    this.block = block;
    const { buffer, base } = block;
    const regionBytes = this.floats * FLOAT_BYTES;
    const regionAt = (region: number) => base + HYPER_BYTES + RULE_ARGS_BYTES + region * regionBytes;
    let nextSlot = 2;
    const slotsUsed = this.plan.slots;
    this.at = { hyper: base, w: regionAt(0), g: regionAt(1), s: [0, 1, 2].map((s) => (slotsUsed[s] ? regionAt(nextSlot++) : 0)) as [number, number, number] };
    const viewsOf = (regionStart: number) => this.weights.map((w, k) => new Float32Array(buffer, regionStart + this.offsets[k]!, w.length));
    this.weightViews = viewsOf(this.at.w);
    this.gradientViews = viewsOf(this.at.g);
    const slots: Record<string, Float32Array[]> = {};
    slotsUsed.forEach((slot, s) => {
      if (slot) slots[slot[0]] = viewsOf(this.at.s[s]);
    });
    this.slots = slots;
    this.hyper = new Float64Array(buffer, base, HYPER.count);
    this.kernel = place.kernel;
    this.run = place.kernel[this.plan.rule];
    this.gemm = place.gemm;
    // the rule's arguments for its band function, which change only with the block
    new Int32Array(buffer, base + HYPER_BYTES, 7).set([this.at.w, this.at.g, ...this.at.s, this.floats, this.at.hyper]);
    this.finiteFlag = new Int32Array(buffer, base + HYPER_BYTES + FINITE_FLAG_OFFSET, 1);
  }

  get iterations(): number {
    return this.steps;
  }

  apply(grads: readonly Float32Array[]): void {
    this.takeGradients(grads);
    this.step();
  }

  applyIfFinite(grads: readonly Float32Array[]): boolean {
    this.takeGradients(grads);
    if (this.floats > 0 && !this.gradientsFinite()) return false;
    this.step();
    return true;
  }

  /** Whether every gradient in the memory is finite: checked in bands on gemm's threads where the kernel is gemm's module. */
  private gradientsFinite(): boolean {
    if (!this.gemm) return this.kernel.allFinite(this.at.g, this.floats) === 1;
    this.finiteFlag[0] = 1;
    this.gemm.band("allFiniteBand", this.at.hyper + HYPER_BYTES, ruleRows(this.floats), RULE_ROW_FLOATS * FINITE_WORK_PER_FLOAT);
    return this.finiteFlag[0] === 1;
  }

  /**
   * Where the optimiser's copies of the weights and their gradients live, for a model to keep its
   * weights and gradients there for good, so that steps copy nothing: the weights' current values
   * copied there, and every tensor one after another as in a weight store (so null with clipnorm's
   * padded layout). Adopted, the optimiser's weights are those views; the model must use them, and
   * keep this optimiser while it does (the views may be a region of gemm's heap, which it owns).
   */
  adoptStore(): { weights: Float32Array; grads: Float32Array } | null {
    const total = this.weights.reduce((sum, w) => sum + w.length, 0);
    if (total === 0 || this.padded.some((floats, k) => floats !== this.weights[k]!.length)) return null;
    // into gemm's resident heap, where gemm then multiplies the adopted weights where they lie
    const heap = this.heap();
    if (heap && this.weights !== this.weightViews) this.layOut(heap);
    for (let k = 0; k < this.weights.length; k++) this.weightViews[k]!.set(this.weights[k]!);
    this.weights = this.weightViews;
    const buffer = this.weightViews[0]!.buffer;
    return { weights: new Float32Array(buffer, this.at.w, total), grads: new Float32Array(buffer, this.at.g, total) };
  }

  /** The gradients into the memory (no copy for gradients kept there). */
  private takeGradients(grads: readonly Float32Array[]): void {
    if (!sameArrays(grads, this.seen)) {
      checkGradients(grads, this.weights);
      this.seen = [...grads];
    }
    const gradientViews = this.gradientViews;
    for (let k = 0; k < grads.length; k++) copyUnlessSame(grads[k]!, gradientViews[k]!);
  }

  /** Clipping and the rule on the gradients in the memory, the weights copied in and out (unless they live there). */
  private step(): void {
    const { weights, weightViews, at } = this;
    for (let k = 0; k < weights.length; k++) copyUnlessSame(weights[k]!, weightViews[k]!);
    const t = this.steps + 1;
    if (this.perStep) this.perStep(t, this.hyper);
    if (this.floats > 0) {
      this.clip();
      if (this.gemm) this.gemm.band(this.band, at.hyper + HYPER_BYTES, ruleRows(this.floats), RULE_ROW_FLOATS * WORK_PER_FLOAT);
      else this.run(at.w, at.g, at.s[0], at.s[1], at.s[2], this.floats, at.hyper);
    }
    for (let k = 0; k < weights.length; k++) copyUnlessSame(weightViews[k]!, weights[k]!);
    this.steps = t;
  }

  getState(): Map<string, Float32Array> {
    return slotState(this.slots, this.steps);
  }

  setState(state: ReadonlyMap<string, Float32Array>): void {
    this.steps = restoreSlots(this.name, this.slots, state);
  }

  /** Keras' clipping, on the gradients in the memory: clipnorm per tensor, clipvalue over all. */
  private clip(): void {
    if (this.clipping === "value") return this.kernel.clipValue(this.at.g, this.floats, this.at.hyper);
    if (this.clipping !== "norm") return;
    for (let k = 0; k < this.padded.length; k++) {
      if (this.padded[k]! > 0) this.kernel.clipNorm(this.at.g + this.offsets[k]!, this.padded[k]!, this.at.hyper);
    }
  }
}
