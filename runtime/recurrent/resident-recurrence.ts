// The recurrent layers' loops over time with every operand in gemm's WebAssembly memory: a call copies
// its tapes in once (or the input, whose x·K it makes there), or reads and writes them where they lie
// when they are in gemm's resident heap (a model's buffers and weights, on hosts with worker threads:
// nothing copied then), packs the recurrent kernel once, and then
// walks the steps in one call of gemm's module (walk-kernel.ts: each step a product and a cell on
// addresses, with no copy), the batch's rows shared in bands with gemm's worker threads; backward, the
// weights' and the input's gradients follow from dZ in the memory; the tapes are copied out once at
// the end. The per-step loops (recurrence-loops.ts) copy the step's operands in and out of the modules
// at every step, and pack R every step. The same kernels on the same floats in the same order: the
// results are the loops' to the bit.
//
// The walks are in gemm's module on shared memory (the one its worker threads run), so a host without
// worker threads runs the per-step loops. Everything from gemm's first free address is gemm's scratch
// space between calls, so nothing is kept there from one call to the next.

import type { SimdGemm } from "../gemm/simd-gemm";
import { simdGemm } from "../gemm/gemm";
import { PrefixViews } from "../wasm/prefix-views";
import { StepPart, stepTimer } from "../step-timing";
import type { InputProjection, WalkGradients } from "./recurrence-loops";
import type { WalkName } from "./walk-kernel";

const FLOAT_BYTES = 4;
/** Room for a walk's i32 arguments (walk-kernel.ts: at most 11). */
const WALK_ARGUMENT_BYTES = 16 * 4;
const ALIGNMENT = 16;

/** Byte addresses of one call's regions, one after another from gemm's first free address. */
class Regions {
  constructor(private end: number) {}

  floats(count: number): number {
    return this.bytes(count * FLOAT_BYTES);
  }

  bytes(count: number): number {
    const at = this.end;
    this.end = Math.ceil((at + count) / ALIGNMENT) * ALIGNMENT;
    return at;
  }

  get size(): number {
    return this.end;
  }
}

/** Byte addresses of walkGradients' operands (-1 where not needed). */
interface WalkGradientRegions {
  /** x as stored (where it lies, when in gemm's heap). */
  readonly x: number;
  /** Where dX is made: where it lies, when in gemm's heap, else where x was copied (once packed, x is not read again). */
  readonly dx: number;
  /** h as stored (where it lies, when in gemm's heap), for dR. */
  readonly h: number;
  /** op(A) of the weights' product: x's panels, then h_prev's from packedX bytes in. */
  readonly packedA: number;
  readonly packedX: number;
  readonly dz: number;
  /** dK's rows, then dR's. */
  readonly weights: number;
  readonly kernel: { stored: number; packed: number } | null;
  /** The bias gradient's float64 sums. */
  readonly sums: number;
}

/** The LSTM walk's input: x as stored, K packed, room for R as stored, K over R packed, and room for the steps' packed [x_t | h_{t-1}]. */
interface StepInputRegions {
  readonly x: number;
  readonly kernel: { stored: number; packed: number };
  readonly recurrent: number;
  readonly stacked: number;
  readonly packedA: number;
}

/** The input projection's operands: x as stored, the kernel stored and packed. */
interface ProjectionRegions {
  readonly x: number;
  readonly kernel: { stored: number; packed: number };
}

export class ResidentRecurrence {
  private readonly inputs = new PrefixViews();
  private memory: Float32Array;
  /** The memory as i32s (a walk's arguments) and float64s (column sums), made again when it grows. */
  private views: { ints: Int32Array; doubles: Float64Array } = { ints: new Int32Array(0), doubles: new Float64Array(0) };

  /** null where gemm has no shared memory (no worker threads, or no WebAssembly SIMD): the walks are in its module on that memory. */
  static create(gemm: SimdGemm | null = simdGemm()): ResidentRecurrence | null {
    return gemm?.threads ? new ResidentRecurrence(gemm) : null;
  }

  private constructor(private readonly gemm: SimdGemm) {
    this.memory = gemm.floats(0);
  }

  /** As lstmForwardLoop; given the input x, the gates start as x·K computed here rather than read from gates. units: a multiple of 4. */
  lstmForward(gates: Float32Array, c: Float32Array, actC: Float32Array, h: Float32Array, recurrent: Float32Array, bias: Float32Array | null, steps: number, batch: number, units: number, projection: InputProjection | null): void {
    const width = 4 * units;
    const r = this.regions();
    const gatesAt = this.where(gates) ?? r.floats(steps * batch * width);
    const [cAt, actAt] = [this.where(c) ?? r.floats(steps * batch * units), this.where(actC) ?? r.floats(steps * batch * units)];
    // a last tile's rows past the batch read on past h_{t-1}, into h_t: within the tape
    const hAt = this.where(h) ?? r.floats(steps * batch * units);
    const zerosAt = r.floats(batch * units);
    const biasAt = bias ? (this.where(bias) ?? r.floats(width)) : 0;
    // from its input, the walk multiplies by K, then by K over R: R alone is not read
    const stepInput = projection && this.stepInputRegions(r, projection, recurrent, steps, batch, units, width);
    const packedAt = stepInput ? null : this.packedRegion(r, units, width);
    const argsAt = r.bytes(WALK_ARGUMENT_BYTES);
    this.reserve(r);
    if (!stepInput) this.copyIn(gates, steps * batch * width, gatesAt);
    this.zero(zerosAt, batch * units);
    if (bias) this.copyIn(bias, width, biasAt);
    if (packedAt) this.pack(recurrent, false, units, width, packedAt);
    if (stepInput) this.packStepInput(projection!, recurrent, steps * batch, units, width, stepInput);
    const input = stepInput ? [stepInput.x, projection!.features, stepInput.kernel.packed, stepInput.stacked, stepInput.packedA] : [0, 0, 0, 0, 0];
    this.walk(argsAt, "lstmWalkForward", [gatesAt, cAt, actAt, hAt, zerosAt, packedAt?.packed ?? 0, biasAt, bias ? 1 : 0, steps, batch, units, ...input], batch, steps * (units + (projection?.features ?? 0)) * width);
    this.copyOut(gates, gatesAt, steps * batch * width);
    this.copyOut(c, cAt, steps * batch * units);
    this.copyOut(actC, actAt, steps * batch * units);
    this.copyOut(h, hAt, steps * batch * units);
  }

  /** As lstmBackwardLoop, then walkGradients on dZ where the memory still holds it (h, x and kernel read only for those). units: a multiple of 4. */
  lstmBackward(gates: Float32Array, actC: Float32Array, c: Float32Array, dh: Float32Array, dc: Float32Array, dz: Float32Array | null, recurrent: Float32Array, steps: number, batch: number, units: number, h: Float32Array | null, x: Float32Array | null, kernel: Float32Array | null, features: number, gradients: WalkGradients | null): void {
    const width = 4 * units;
    const r = this.regions();
    // the gates' values become dz in place, step by step
    const dzAt = this.dzTape(r, gates, dz, steps * batch, width);
    const [actAt, cAt] = [this.where(actC) ?? r.floats(steps * batch * units), this.where(c) ?? r.floats(steps * batch * units)];
    const [zerosAt, dhAt, dcAt] = [r.floats(batch * units), r.floats(batch * units), r.floats(batch * units)];
    const packedAt = this.packedRegion(r, width, units);
    const after = gradients && this.walkGradientRegions(r, x, h, steps, batch, units, width, features, gradients);
    const argsAt = r.bytes(WALK_ARGUMENT_BYTES);
    this.reserve(r);
    this.startDz(gates, dz, steps * batch, width, dzAt);
    this.copyIn(actC, steps * batch * units, actAt);
    this.copyIn(c, steps * batch * units, cAt);
    this.zero(zerosAt, batch * units);
    this.copyIn(dh, batch * units, dhAt);
    this.copyIn(dc, batch * units, dcAt);
    this.pack(recurrent, true, width, units, packedAt);
    this.walk(argsAt, "lstmWalkBackward", [dzAt, actAt, cAt, zerosAt, dhAt, dcAt, packedAt.packed, steps, batch, units], batch, steps * units * width);
    if (after) this.walkGradients(after, dzAt, h, x, kernel, steps, batch, units, width, features, gradients!);
    if (dz) this.copyOut(dz, dzAt, steps * batch * width);
    this.copyOut(dh, dhAt, batch * units);
    this.copyOut(dc, dcAt, batch * units);
  }

  /** As simpleRnnForwardLoop; given the input x, h starts as x·K computed here rather than read from h. units: a multiple of 4. */
  simpleRnnForward(h: Float32Array, recurrent: Float32Array, bias: Float32Array | null, steps: number, batch: number, units: number, projection: InputProjection | null): void {
    const r = this.regions();
    const hAt = this.where(h) ?? r.floats(steps * batch * units);
    const biasAt = bias ? (this.where(bias) ?? r.floats(units)) : 0;
    const packedAt = this.packedRegion(r, units, units);
    const projectionAt = projection && this.projectionRegions(r, projection.x, steps * batch, units, projection.features);
    const argsAt = r.bytes(WALK_ARGUMENT_BYTES);
    this.reserve(r);
    this.startTape(h, projection, projectionAt, steps * batch, units, hAt);
    if (bias) this.copyIn(bias, units, biasAt);
    this.pack(recurrent, false, units, units, packedAt);
    this.walk(argsAt, "simpleRnnWalkForward", [hAt, packedAt.packed, biasAt, bias ? 1 : 0, steps, batch, units], batch, steps * units * units);
    this.copyOut(h, hAt, steps * batch * units);
  }

  /** As simpleRnnBackwardLoop, then walkGradients on dZ where the memory still holds it (x and kernel read only for those). units: a multiple of 4. */
  simpleRnnBackward(h: Float32Array, dh: Float32Array, dz: Float32Array | null, recurrent: Float32Array, steps: number, batch: number, units: number, x: Float32Array | null, kernel: Float32Array | null, features: number, gradients: WalkGradients | null): void {
    const r = this.regions();
    // h's values become dz in place, step by step
    const dzAt = this.rowsRegion(r, steps * batch, units);
    const dhAt = r.floats(batch * units);
    const packedAt = this.packedRegion(r, units, units);
    const after = gradients && this.walkGradientRegions(r, x, h, steps, batch, units, units, features, gradients);
    const argsAt = r.bytes(WALK_ARGUMENT_BYTES);
    this.reserve(r);
    this.placeRows(h, steps * batch, units, dzAt);
    this.copyIn(dh, batch * units, dhAt);
    this.pack(recurrent, true, units, units, packedAt);
    this.walk(argsAt, "simpleRnnWalkBackward", [dzAt, dhAt, packedAt.packed, steps, batch, units], batch, steps * units * units);
    if (after) this.walkGradients(after, dzAt, h, x, kernel, steps, batch, units, units, features, gradients!);
    if (dz) this.copyOut(dz, dzAt, steps * batch * units);
    this.copyOut(dh, dhAt, batch * units);
  }

  /**
   * Where walkGradients puts its operands. dK and dR are one product, [xᵀ; h_prevᵀ]·dZ: x and h_prev (h
   * a step late: the first batch columns of its panels zero, then h's steps 0 … T-2 packed from where
   * h is) packed as op(A) one after the other, dZ packed once. dX then goes where x was.
   */
  private walkGradientRegions(r: Regions, x: Float32Array | null, h: Float32Array | null, steps: number, batch: number, units: number, width: number, features: number, g: WalkGradients): WalkGradientRegions {
    const rows = steps * batch;
    const [kernelRows, recurrentRows] = this.productRows(g, steps, features, units);
    const packedX = kernelRows ? this.gemm.packedABytes(features, rows) : 0;
    const [xLies, dxLies] = [g.dKernel && this.where(x), g.dx && this.where(g.dx)];
    const spare = (g.dKernel && xLies === null) || (g.dx && dxLies === null) ? r.floats(rows * features) : -1;
    return {
      x: g.dKernel ? (xLies ?? spare) : -1,
      dx: g.dx ? (dxLies ?? spare) : -1,
      h: recurrentRows ? (this.where(h) ?? r.floats(rows * units)) : -1,
      packedA: kernelRows + recurrentRows ? r.bytes(packedX + (recurrentRows ? this.gemm.packedABytes(units, rows) : 0)) : -1,
      packedX,
      dz: kernelRows + recurrentRows ? r.bytes(this.gemm.packedBBytes(rows, width)) : -1,
      weights: kernelRows + recurrentRows ? r.floats((kernelRows + recurrentRows) * width) : -1,
      kernel: g.dx ? this.packedRegion(r, width, features) : null,
      sums: g.dBias ? r.bytes(width * 8) : -1,
    };
  }

  /**
   * h_prevᵀ packed at `packed` as op(A) of dR's product (units × steps·batch): in each panel, the first
   * batch columns zero (h_{-1}: 0·dz_0 adds exactly nothing, so dR sums the same terms in the same
   * order), then h's steps 0 … T-2 packed from hAt (where h lies, or where it is copied in first).
   */
  private packPreviousStates(h: Float32Array, hAt: number, steps: number, batch: number, units: number, packed: number): void {
    const mr = this.gemm.tileRows;
    const [rows, leading] = [steps * batch, batch * mr * FLOAT_BYTES];
    this.copyIn(h, (steps - 1) * batch * units, hAt);
    const panelBytes = rows * mr * FLOAT_BYTES;
    for (let panel = 0; panel * mr < units; panel++) this.zero(packed + panel * panelBytes, batch * mr);
    this.gemm.packAAt(hAt, true, units, rows - batch, packed + leading, leading);
  }

  /** The rows dK and dR take in their product's op(A): dK's rounded up to whole panels (its padding rows give zeros, unread), 0 where not wanted (dR for one step is 0 without a product). */
  private productRows(g: WalkGradients, steps: number, features: number, units: number): [kernel: number, recurrent: number] {
    const mr = this.gemm.tileRows;
    return [g.dKernel ? Math.ceil(features / mr) * mr : 0, g.dRecurrent && steps > 1 ? units : 0];
  }

  /** As walkGradients (recurrence-loops.ts), on dZ at dzAt: every product on operands in the memory, each result copied out once; the same bits where dZ is finite. */
  private walkGradients(at: WalkGradientRegions, dzAt: number, h: Float32Array | null, x: Float32Array | null, kernel: Float32Array | null, steps: number, batch: number, units: number, width: number, features: number, g: WalkGradients): void {
    const rows = steps * batch;
    const [kernelRows, recurrentRows] = this.productRows(g, steps, features, units);
    if (g.dRecurrent && !recurrentRows) g.dRecurrent.fill(0, 0, units * width);
    if (kernelRows) {
      this.copyIn(x!, rows * features, at.x);
      this.gemm.packAAt(at.x, true, features, rows, at.packedA);
    }
    if (recurrentRows) this.packPreviousStates(h!, at.h, steps, batch, units, at.packedA + at.packedX);
    // the bias gradient's column sums made as dZ is packed, where its panels are whole
    const sumsInPack = g.dBias !== null && kernelRows + recurrentRows > 0 && width % this.gemm.tileColumns === 0;
    if (kernelRows + recurrentRows) {
      if (sumsInPack) this.gemm.packBWithColumnSumsAt(dzAt, rows, width, at.dz, at.sums);
      else this.gemm.packBAt(dzAt, false, rows, width, at.dz);
      this.multiply(kernelRows + recurrentRows, width, rows, at.packedA, at.dz, at.weights, false, true);
      if (kernelRows) this.copyOut(g.dKernel!, at.weights, features * width);
      if (recurrentRows) this.copyOut(g.dRecurrent!, at.weights + kernelRows * width * FLOAT_BYTES, units * width);
    }
    if (g.dBias && !sumsInPack) this.gemm.walks!.columnSums(dzAt, rows, width / 4, at.sums);
    if (g.dBias) this.roundSums(at.sums, width, g.dBias);
    if (g.dx) {
      this.pack(kernel!, true, width, features, at.kernel!);
      // dZ's rows read in place (a last tile's rows past them are dropped)
      this.multiply(rows, features, width, dzAt, at.kernel!.packed, at.dx, false);
      this.copyOut(g.dx, at.dx, rows * features);
    }
  }

  /** A tape's first values: x·K made here from the input, given one, else the tape copied in. */
  private startTape(tape: Float32Array, projection: InputProjection | null, at: ProjectionRegions | null, rows: number, width: number, into: number): void {
    if (at) this.project(projection!, at, rows, width, into);
    else this.copyIn(tape, rows * width, into);
  }

  /**
   * Where the backward walk turns a forward tape's values into dZ: dz where it lies in gemm's heap;
   * without a dz to keep, the tape itself where it lies (spent: its values are not read again);
   * else rows of the scratch.
   */
  private dzTape(r: Regions, values: Float32Array, dz: Float32Array | null, rows: number, width: number): number {
    return (dz ? this.where(dz) : this.where(values)) ?? this.rowsRegion(r, rows, width);
  }

  /** The tape's values where dzTape put dZ: nothing to do on the tape itself, a copy within the memory to dz, else placed rows. */
  private startDz(values: Float32Array, dz: Float32Array | null, rows: number, width: number, at: number): void {
    if (this.where(values) === at) return;
    if (dz && this.where(dz) === at) dz.set(this.inputs.of(values, rows * width));
    else this.placeRows(values, rows, width, at);
  }

  /** An array's byte address when it lies in gemm's resident heap (operands read and written there), else null. */
  private where(array: Float32Array | null): number | null {
    const at = array ? (this.gemm.residentHeap?.addressOf(array) ?? -1) : -1;
    return at < 0 ? null : at;
  }

  /** Rows of `width` floats that the micro-kernel reads in place as A, and after them the rows a last tile reads past them (placeRows zeroes them). */
  private rowsRegion(r: Regions, rows: number, width: number): number {
    return r.floats((rows + this.gemm.tileRows - 1) * width);
  }

  /** A tape's rows into a rowsRegion, the rows past them zeroed (nothing to do for a tape that lies at `at`). */
  private placeRows(tape: Float32Array, rows: number, width: number, at: number): void {
    if (this.where(tape) === at) return;
    this.copyIn(tape, rows * width, at);
    this.zero(at + rows * width * FLOAT_BYTES, (this.gemm.tileRows - 1) * width);
  }

  /**
   * Where the LSTM's walk finds its input: x as stored (a rowsRegion, its rows read in place at step
   * 0), K packed (k = features), R as stored (where it lies elsewhere), K over R packed (k = features +
   * units), and room for each step's [x_t | h_{t-1}] packed (whole panels of the batch's rows).
   */
  private stepInputRegions(r: Regions, { x, features }: InputProjection, recurrent: Float32Array, steps: number, batch: number, units: number, width: number): StepInputRegions {
    const inner = features + units;
    const panelRows = Math.ceil(batch / this.gemm.tileRows) * this.gemm.tileRows;
    return {
      x: this.where(x) ?? this.rowsRegion(r, steps * batch, features),
      kernel: this.packedRegion(r, features, width),
      recurrent: this.where(recurrent) ?? r.floats(units * width),
      stacked: r.bytes(this.gemm.packedBBytes(inner, width)),
      packedA: r.floats(panelRows * inner),
    };
  }

  /** x placed, K packed, and K over R packed, for the LSTM's walk from its input: K's rows and R's packed straight into the first and last rows of each panel. */
  private packStepInput({ x, kernel, features }: InputProjection, recurrent: Float32Array, rows: number, units: number, width: number, at: StepInputRegions): void {
    this.placeRows(x, rows, features, at.x);
    this.pack(kernel, false, features, width, at.kernel);
    const rowBytes = this.gemm.tileColumns * FLOAT_BYTES;
    this.gemm.packBAt(this.where(kernel) ?? at.kernel.stored, false, features, width, at.stacked, units * rowBytes);
    this.pack(recurrent, false, units, width, { stored: at.recurrent, packed: at.stacked + features * rowBytes }, features * rowBytes);
  }

  /** The input x as stored (a rowsRegion) and the kernel packed. */
  private projectionRegions(r: Regions, x: Float32Array, rows: number, width: number, features: number): ProjectionRegions {
    return { x: this.where(x) ?? this.rowsRegion(r, rows, features), kernel: this.packedRegion(r, features, width) };
  }

  /** x·K into the tape at `into`: every step's input projection, the product gemm would make of it. */
  private project({ x, kernel, features }: InputProjection, at: ProjectionRegions, rows: number, width: number, into: number): void {
    this.placeRows(x, rows, features, at.x);
    this.pack(kernel, false, features, width, at.kernel);
    this.multiply(rows, width, features, at.x, at.kernel.packed, into, false);
  }

  /** The walk's arguments into the memory at argsAt, then the walk: on the batch's rows in bands shared with the worker threads when large enough. Timed as gemm: its products are most of it. */
  private walk(argsAt: number, name: WalkName, args: readonly number[], batch: number, workPerRow: number): void {
    this.views.ints.set(args, argsAt / 4);
    if (!stepTimer.enabled) return this.gemm.band(name, argsAt, batch, workPerRow);
    stepTimer.timed(StepPart.gemm, () => this.gemm.band(name, argsAt, batch, workPerRow));
  }

  private regions(): Regions {
    return new Regions(this.gemm.firstFreeAddress);
  }

  /** Where R goes as stored and packed as op(R), k×n. */
  private packedRegion(r: Regions, k: number, n: number): { stored: number; packed: number } {
    return { stored: r.floats(k * n), packed: r.bytes(this.gemm.packedBBytes(k, n)) };
  }

  private reserve(r: Regions): void {
    this.memory = this.gemm.floats(r.size);
    if (this.views.ints.buffer !== this.memory.buffer) this.views = { ints: new Int32Array(this.memory.buffer), doubles: new Float64Array(this.memory.buffer, 0, this.memory.buffer.byteLength >> 3) };
  }

  /** R packed as op(R): R (k×n) itself, or Rᵀ when transposed (R stored n×k); from where R lies in gemm's heap, else from its region; `skip` bytes left after each panel (packBAt's). */
  private pack(recurrent: Float32Array, transposed: boolean, k: number, n: number, at: { stored: number; packed: number }, skip = 0): void {
    const lies = this.where(recurrent);
    if (lies === null) this.copyIn(recurrent, k * n, at.stored);
    this.gemm.packBAt(lies ?? at.stored, transposed, k, n, at.packed, skip);
  }

  /** into[j] = the float64 sum at sumsAt + 8j, rounded once: Σ over the rows of dZ's column j, as sumColumns gives it. */
  private roundSums(sumsAt: number, width: number, into: Float32Array): void {
    const sums = this.views.doubles;
    for (let j = 0; j < width; j++) into[j] = sums[sumsAt / 8 + j]!;
  }

  /** C (at c) = or += A·B, A's rows in place at a (or packed there, when aPacked), B packed at packedB. */
  private multiply(m: number, n: number, k: number, a: number, packedB: number, c: number, accumulate: boolean, aPacked = false): void {
    if (!stepTimer.enabled) return this.gemm.multiplyAt(m, n, k, a, aPacked, packedB, c, accumulate);
    stepTimer.timed(StepPart.gemm, () => this.gemm.multiplyAt(m, n, k, a, aPacked, packedB, c, accumulate));
  }

  /** `count` floats of source to byte address `at`: nothing to do where the source lies there. */
  private copyIn(source: Float32Array, count: number, at: number): void {
    if (this.where(source) !== at) this.memory.set(this.inputs.of(source, count), at / FLOAT_BYTES);
  }

  /** `count` floats from byte address `at` to target: nothing to do where the target lies there. */
  private copyOut(target: Float32Array, at: number, count: number): void {
    if (this.where(target) !== at) target.set(this.gemm.window(at, count));
  }

  private zero(at: number, count: number): void {
    this.memory.fill(0, at / FLOAT_BYTES, at / FLOAT_BYTES + count);
  }
}
