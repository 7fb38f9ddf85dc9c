// The recurrent layers' loops over time with every operand in gemm's WebAssembly memory: a call copies
// its tapes in once, packs the recurrent kernel once, and then each step is a product (the gemm
// module's, shared with its worker threads when large enough) and a cell (the gate module's, on the
// same memory) on addresses, with no copy; the tapes are copied out once at the end. The per-step
// loops (recurrence-loops.ts) copy the step's operands in and out of the modules at every step, and
// pack R every step. The same kernels on the same floats in the same order: the results are the
// loops' to the bit.
//
// The memory must be shared (gemm's where it has worker threads) for a second module to import it, so
// a host without worker threads runs the per-step loops. Everything from gemm's first free address is
// gemm's scratch space between calls, so nothing is kept there from one call to the next.

import type { SimdGemm } from "../gemm/simd-gemm";
import { SHARED_MAXIMUM_PAGES } from "../gemm/simd-gemm";
import { simdGemm } from "../gemm/gemm";
import { gateKernelModule, type GateKernelExports } from "../activations/gate-kernel";
import { compileKernel, instanceOf } from "../wasm/instantiate";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";
import { PrefixViews } from "../wasm/prefix-views";
import { StepPart, stepTimer } from "../step-timing";

const FLOAT_BYTES = 4;
const ALIGNMENT = 16;

type Gates = Omit<GateKernelExports, "memory">;

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

export class ResidentRecurrence {
  private readonly inputs = new PrefixViews();
  private memory: Float32Array;

  /** null where gemm has no shared memory (no worker threads, or no WebAssembly SIMD) or the host refuses the gate module. */
  static create(gemm: SimdGemm | null = simdGemm(), wasm: WasmApi | null = hostWasm()): ResidentRecurrence | null {
    if (!gemm?.threads || !wasm) return null;
    const module = compileKernel(gateKernelModule({ maximumPages: SHARED_MAXIMUM_PAGES }), wasm);
    const gates = module && instanceOf<Gates>(module, wasm, { env: { memory: gemm.wasmMemory } });
    return gates && new ResidentRecurrence(gemm, gates);
  }

  private constructor(
    private readonly gemm: SimdGemm,
    private readonly gates: Gates,
  ) {
    this.memory = gemm.floats(0);
  }

  /** As lstmForwardLoop. units: a multiple of 4. */
  lstmForward(gates: Float32Array, c: Float32Array, actC: Float32Array, h: Float32Array, recurrent: Float32Array, bias: Float32Array | null, steps: number, batch: number, units: number): void {
    const width = 4 * units;
    const [gateBlock, stateBlock] = [batch * width * FLOAT_BYTES, batch * units * FLOAT_BYTES];
    const r = this.regions();
    const gatesAt = r.floats(steps * batch * width);
    const [cAt, actAt] = [r.floats(steps * batch * units), r.floats(steps * batch * units)];
    // a last tile's rows past the batch read on past h_{t-1}, into h_t: within the tape
    const hAt = r.floats(steps * batch * units);
    const zerosAt = r.floats(batch * units);
    const biasAt = bias ? r.floats(width) : 0;
    const packedAt = this.packedRegion(r, units, width);
    this.reserve(r);
    this.copyIn(gates, steps * batch * width, gatesAt);
    this.memory.fill(0, zerosAt / FLOAT_BYTES, zerosAt / FLOAT_BYTES + batch * units);
    if (bias) this.copyIn(bias, width, biasAt);
    this.pack(recurrent, false, units, width, packedAt);
    const k = this.gates;
    for (let t = 0; t < steps; t++) {
      const g = gatesAt + t * gateBlock;
      if (t > 0) this.multiply(batch, width, units, hAt + (t - 1) * stateBlock, packedAt.packed, g, true);
      if (bias) k.addBias(g, batch, width, biasAt);
      k.lstmGates(g, batch, units);
      k.lstmCell(g, t > 0 ? cAt + (t - 1) * stateBlock : zerosAt, cAt + t * stateBlock, actAt + t * stateBlock, hAt + t * stateBlock, batch, units);
    }
    this.copyOut(gates, gatesAt, steps * batch * width);
    this.copyOut(c, cAt, steps * batch * units);
    this.copyOut(actC, actAt, steps * batch * units);
    this.copyOut(h, hAt, steps * batch * units);
  }

  /** As lstmBackwardLoop. units: a multiple of 4. */
  lstmBackward(gates: Float32Array, actC: Float32Array, c: Float32Array, dh: Float32Array, dc: Float32Array, dz: Float32Array, recurrent: Float32Array, steps: number, batch: number, units: number): void {
    const width = 4 * units;
    const [gateBlock, stateBlock] = [batch * width * FLOAT_BYTES, batch * units * FLOAT_BYTES];
    const r = this.regions();
    // the gates' values become dz in place, step by step; a last tile's rows past the batch read on past dz_t
    const slack = (this.gemm.tileRows - 1) * width;
    const dzAt = r.floats(steps * batch * width + slack);
    const [actAt, cAt] = [r.floats(steps * batch * units), r.floats(steps * batch * units)];
    const [zerosAt, dhAt, dcAt] = [r.floats(batch * units), r.floats(batch * units), r.floats(batch * units)];
    const packedAt = this.packedRegion(r, width, units);
    this.reserve(r);
    this.copyIn(gates, steps * batch * width, dzAt);
    this.zero(dzAt + steps * gateBlock, slack);
    this.copyIn(actC, steps * batch * units, actAt);
    this.copyIn(c, steps * batch * units, cAt);
    this.zero(zerosAt, batch * units);
    this.copyIn(dh, batch * units, dhAt);
    this.copyIn(dc, batch * units, dcAt);
    this.pack(recurrent, true, width, units, packedAt);
    for (let t = steps - 1; t >= 0; t--) {
      const g = dzAt + t * gateBlock;
      this.gates.lstmBackward(g, actAt + t * stateBlock, t > 0 ? cAt + (t - 1) * stateBlock : zerosAt, dhAt, dcAt, batch, units);
      if (t > 0) this.multiply(batch, units, width, g, packedAt.packed, dhAt, false);
    }
    this.copyOut(dz, dzAt, steps * batch * width);
    this.copyOut(dh, dhAt, batch * units);
    this.copyOut(dc, dcAt, batch * units);
  }

  /** As simpleRnnForwardLoop. units: a multiple of 4. */
  simpleRnnForward(h: Float32Array, recurrent: Float32Array, bias: Float32Array | null, steps: number, batch: number, units: number): void {
    const block = batch * units * FLOAT_BYTES;
    const r = this.regions();
    const hAt = r.floats(steps * batch * units);
    const biasAt = bias ? r.floats(units) : 0;
    const packedAt = this.packedRegion(r, units, units);
    this.reserve(r);
    this.copyIn(h, steps * batch * units, hAt);
    if (bias) this.copyIn(bias, units, biasAt);
    this.pack(recurrent, false, units, units, packedAt);
    for (let t = 0; t < steps; t++) {
      const at = hAt + t * block;
      if (t > 0) this.multiply(batch, units, units, at - block, packedAt.packed, at, true);
      if (bias) this.gates.addBias(at, batch, units, biasAt);
      this.gates.tanh(at, batch * units);
    }
    this.copyOut(h, hAt, steps * batch * units);
  }

  /** As simpleRnnBackwardLoop. units: a multiple of 4. */
  simpleRnnBackward(h: Float32Array, dh: Float32Array, dz: Float32Array, recurrent: Float32Array, steps: number, batch: number, units: number): void {
    const block = batch * units * FLOAT_BYTES;
    const r = this.regions();
    // h's values become dz in place, step by step; a last tile's rows past the batch read on past dz_t
    const slack = (this.gemm.tileRows - 1) * units;
    const dzAt = r.floats(steps * batch * units + slack);
    const dhAt = r.floats(batch * units);
    const packedAt = this.packedRegion(r, units, units);
    this.reserve(r);
    this.copyIn(h, steps * batch * units, dzAt);
    this.zero(dzAt + steps * block, slack);
    this.copyIn(dh, batch * units, dhAt);
    this.pack(recurrent, true, units, units, packedAt);
    for (let t = steps - 1; t >= 0; t--) {
      const at = dzAt + t * block;
      this.gates.tanhBackward(at, dhAt, batch * units);
      if (t > 0) this.multiply(batch, units, units, at, packedAt.packed, dhAt, false);
    }
    this.copyOut(dz, dzAt, steps * batch * units);
    this.copyOut(dh, dhAt, batch * units);
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
  }

  /** R into its region and packed as op(R): R (k×n) itself, or Rᵀ when transposed (R stored n×k). */
  private pack(recurrent: Float32Array, transposed: boolean, k: number, n: number, at: { stored: number; packed: number }): void {
    this.copyIn(recurrent, k * n, at.stored);
    this.gemm.packBAt(at.stored, transposed, k, n, at.packed);
  }

  private multiply(m: number, n: number, k: number, a: number, packedB: number, c: number, accumulate: boolean): void {
    if (!stepTimer.enabled) return this.gemm.multiplyAt(m, n, k, a, false, packedB, c, accumulate);
    stepTimer.timed(StepPart.gemm, () => this.gemm.multiplyAt(m, n, k, a, false, packedB, c, accumulate));
  }

  private copyIn(source: Float32Array, count: number, at: number): void {
    this.memory.set(this.inputs.of(source, count), at / FLOAT_BYTES);
  }

  private copyOut(target: Float32Array, at: number, count: number): void {
    target.set(this.gemm.window(at, count));
  }

  private zero(at: number, count: number): void {
    this.memory.fill(0, at / FLOAT_BYTES, at / FLOAT_BYTES + count);
  }
}
