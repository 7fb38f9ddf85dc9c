// The LSTM's and GRU's gate functions on the WebAssembly SIMD module (gate-kernel.ts), compiled synchronously
// on first use. A call copies the step's gate block to the start of the module's memory with one
// TypedArray.set, transforms it there and copies it back with another; the views copied through are
// kept from call to call, so a call allocates nothing after the first of its shape.

import { gateKernelModule, VECTOR_FLOATS, type GateKernelExports } from "./gate-kernel";
import { jsGruCellBackward, jsGruCellForward, jsGruGates, jsLstmCellBackward, jsLstmCellForward, jsLstmGates, jsTanhRows, jsTanhRowsBackward, type GruCellBackward, type GruCellForward, type GruGates, type LstmCellBackward, type LstmCellForward, type LstmGates, type TanhRows, type TanhRowsBackward } from "./js-gates";
import { PrefixViews } from "../wasm/prefix-views";
import { ScratchMemory } from "../wasm/scratch-memory";
import { instantiateKernel } from "../wasm/instantiate";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";
import { turnOnRelaxedSimd } from "../wasm/relaxed-simd";

// copied out of the import once (see simd-sigmoid.ts: an imported binding may be a getter call)
const FLOATS_PER_VECTOR = VECTOR_FLOATS;

export class SimdGates {
  private readonly memory: ScratchMemory;
  /** The module's memory as floats, as of its last growth. */
  private scratch: Float32Array;
  private readonly inputs = new PrefixViews();

  /**
   * null where there is no WebAssembly, it has no SIMD, or the host forbids compiling (a browser's CSP).
   * σ and tanh multiply and add by relaxed_madd where the host has relaxed SIMD, as gemm's module's
   * gate functions (the recurrent walks') do there: the two give the same bits.
   */
  static create(wasm: WasmApi | null = hostWasm()): SimdGates | null {
    const kernel = instantiateKernel<GateKernelExports>(gateKernelModule(wasm !== null && turnOnRelaxedSimd(wasm)), wasm);
    return kernel && new SimdGates(kernel);
  }

  private constructor(private readonly kernel: GateKernelExports) {
    this.memory = new ScratchMemory(kernel.memory);
    this.scratch = this.memory.floats(0);
  }

  /** See LstmGates; gates whose width is not a multiple of 4 floats go to the JavaScript one. */
  readonly lstmGates: LstmGates = (values, offset, rows, units, bias) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsLstmGates(values, offset, rows, units, bias);
    const count = rows * 4 * units;
    // the bias after the block
    this.reserve(count + (bias ? 4 * units : 0));
    this.scratch.set(this.inputs.at(values, offset, count));
    if (bias) {
      this.scratch.set(this.inputs.of(bias, 4 * units), count);
      this.kernel.addBias(0, rows, 4 * units, count * Float32Array.BYTES_PER_ELEMENT);
    }
    this.kernel.lstmGates(0, rows, units);
    values.set(this.memory.window(0, count), offset);
  };

  /** See TanhRows; rows whose width is not a multiple of 4 floats go to the JavaScript one. */
  readonly tanhRows: TanhRows = (values, offset, rows, units, bias) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsTanhRows(values, offset, rows, units, bias);
    const count = rows * units;
    this.reserve(count + (bias ? units : 0));
    this.scratch.set(this.inputs.at(values, offset, count));
    if (bias) {
      this.scratch.set(this.inputs.of(bias, units), count);
      this.kernel.addBias(0, rows, units, count * Float32Array.BYTES_PER_ELEMENT);
    }
    this.kernel.tanh(0, count);
    values.set(this.memory.window(0, count), offset);
  };

  /** See TanhRowsBackward; units that are not a multiple of 4 floats go to the JavaScript one. */
  readonly tanhRowsBackward: TanhRowsBackward = (h, dh, dz, step, rows, units) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsTanhRowsBackward(h, dh, dz, step, rows, units);
    const count = rows * units;
    this.reserve(2 * count);
    this.scratch.set(this.inputs.at(h, step * count, count));
    this.scratch.set(this.inputs.of(dh, count), count);
    this.kernel.tanhBackward(0, count * Float32Array.BYTES_PER_ELEMENT, count);
    dz.set(this.memory.window(0, count), step * count);
  };

  /** See LstmCellForward; units that are not a multiple of 4 floats go to the JavaScript one. */
  readonly lstmCellForward: LstmCellForward = (gates, c, actC, h, bias, step, rows, units) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsLstmCellForward(gates, c, actC, h, bias, step, rows, units);
    const gateCount = rows * 4 * units;
    const stateCount = rows * units;
    // the gates' block, then c_{t-1}, c_t, tanh(c_t) and h_t, [rows, units] each, then the bias
    const [cPrev, cAt, act, hAt, biasAt] = [0, 1, 2, 3, 4].map((n) => gateCount + n * stateCount) as [number, number, number, number, number];
    this.reserve(biasAt + 4 * units);
    this.scratch.set(this.inputs.at(gates, step * gateCount, gateCount));
    if (step > 0) this.scratch.set(this.inputs.at(c, (step - 1) * stateCount, stateCount), cPrev);
    else this.scratch.fill(0, cPrev, cPrev + stateCount);
    const bytes = Float32Array.BYTES_PER_ELEMENT;
    if (bias) {
      this.scratch.set(this.inputs.of(bias, 4 * units), biasAt);
      this.kernel.addBias(0, rows, 4 * units, biasAt * bytes);
    }
    this.kernel.lstmGates(0, rows, units);
    this.kernel.lstmCell(0, cPrev * bytes, cAt * bytes, act * bytes, hAt * bytes, rows, units);
    gates.set(this.memory.window(0, gateCount), step * gateCount);
    c.set(this.memory.window(cAt * bytes, stateCount), step * stateCount);
    actC.set(this.memory.window(act * bytes, stateCount), step * stateCount);
    h.set(this.memory.window(hAt * bytes, stateCount), step * stateCount);
  };

  /** See GruCellForward; units that are not a multiple of 4 floats go to the JavaScript one. */
  readonly gruCellForward: GruCellForward = (xk, hr, h, inner, gates, bias, step, rows, units) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsGruCellForward(xk, hr, h, inner, gates, bias, step, rows, units);
    const width = 3 * units;
    const gateCount = rows * width;
    const stateCount = rows * units;
    // the gates' block (xk's first), hr, then h_{t-1}, inner and h_t ([rows, units] each), then the bias
    const hrAt = gateCount;
    const [hPrev, innerAt, hAt, biasAt] = [0, 1, 2, 3].map((n) => 2 * gateCount + n * stateCount) as [number, number, number, number];
    this.reserve(biasAt + 2 * width);
    this.scratch.set(this.inputs.at(xk, step * gateCount, gateCount));
    this.scratch.set(this.inputs.of(hr, gateCount), hrAt);
    if (step > 0) this.scratch.set(this.inputs.at(h, (step - 1) * stateCount, stateCount), hPrev);
    else this.scratch.fill(0, hPrev, hPrev + stateCount);
    const bytes = Float32Array.BYTES_PER_ELEMENT;
    if (bias) {
      this.scratch.set(this.inputs.of(bias, 2 * width), biasAt);
      this.kernel.addBias(0, rows, width, biasAt * bytes);
      this.kernel.addBias(hrAt * bytes, rows, width, (biasAt + width) * bytes);
    }
    this.kernel.gruCell(0, hrAt * bytes, hPrev * bytes, innerAt * bytes, hAt * bytes, rows, units);
    gates.set(this.memory.window(0, gateCount), step * gateCount);
    inner.set(this.memory.window(innerAt * bytes, stateCount), step * stateCount);
    h.set(this.memory.window(hAt * bytes, stateCount), step * stateCount);
  };

  /** See GruCellBackward; units that are not a multiple of 4 floats go to the JavaScript one. */
  readonly gruCellBackward: GruCellBackward = (gates, inner, h, dh, dz, dhr, step, rows, units) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsGruCellBackward(gates, inner, h, dh, dz, dhr, step, rows, units);
    const gateCount = rows * 3 * units;
    const stateCount = rows * units;
    // the gates' block (becoming dz), dhr, then inner, h_{t-1} and dh ([rows, units] each)
    const dhrAt = gateCount;
    const [innerAt, hPrev, dhAt] = [0, 1, 2].map((n) => 2 * gateCount + n * stateCount) as [number, number, number];
    this.reserve(dhAt + stateCount);
    this.scratch.set(this.inputs.at(gates, step * gateCount, gateCount));
    this.scratch.set(this.inputs.at(inner, step * stateCount, stateCount), innerAt);
    if (step > 0) this.scratch.set(this.inputs.at(h, (step - 1) * stateCount, stateCount), hPrev);
    else this.scratch.fill(0, hPrev, hPrev + stateCount);
    this.scratch.set(this.inputs.of(dh, stateCount), dhAt);
    const bytes = Float32Array.BYTES_PER_ELEMENT;
    this.kernel.gruBackward(0, innerAt * bytes, hPrev * bytes, dhAt * bytes, dhrAt * bytes, rows, units);
    dz.set(this.memory.window(0, gateCount), step * gateCount);
    dhr.set(this.memory.window(dhrAt * bytes, gateCount));
    dh.set(this.memory.window(dhAt * bytes, stateCount));
  };

  /** See LstmCellBackward; units that are not a multiple of 4 floats go to the JavaScript one. */
  readonly lstmCellBackward: LstmCellBackward = (gates, actC, c, dh, dc, dz, step, rows, units) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsLstmCellBackward(gates, actC, c, dh, dc, dz, step, rows, units);
    const gateCount = rows * 4 * units;
    const stateCount = rows * units;
    // the gates' block, then tanh(c_t), c_{t-1}, dh and dc, [rows, units] each
    const [act, cPrev, dhAt, dcAt] = [0, 1, 2, 3].map((n) => gateCount + n * stateCount) as [number, number, number, number];
    this.reserve(gateCount + 4 * stateCount);
    this.scratch.set(this.inputs.at(gates, step * gateCount, gateCount));
    this.scratch.set(this.inputs.at(actC, step * stateCount, stateCount), act);
    if (step > 0) this.scratch.set(this.inputs.at(c, (step - 1) * stateCount, stateCount), cPrev);
    else this.scratch.fill(0, cPrev, cPrev + stateCount);
    this.scratch.set(this.inputs.of(dh, stateCount), dhAt);
    this.scratch.set(this.inputs.of(dc, stateCount), dcAt);
    const bytes = Float32Array.BYTES_PER_ELEMENT;
    this.kernel.lstmBackward(0, act * bytes, cPrev * bytes, dhAt * bytes, dcAt * bytes, rows, units);
    dz.set(this.memory.window(0, gateCount), step * gateCount);
    dc.set(this.memory.window(dcAt * bytes, stateCount));
  };

  /** See GruGates; gates whose width is not a multiple of 4 floats go to the JavaScript one. */
  readonly gruGates: GruGates = (values, offset, rows, units) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsGruGates(values, offset, rows, units);
    const count = rows * 3 * units;
    this.copyIn(values, offset, count);
    this.kernel.gruGates(0, rows, units);
    values.set(this.memory.window(0, count), offset);
  };

  /** count floats of values from offset to the start of the module's memory, grown first if need be. */
  private copyIn(values: Float32Array, offset: number, count: number): void {
    this.reserve(count);
    this.scratch.set(this.inputs.at(values, offset, count));
  }

  /** The module's memory grown to hold at least `floats` floats. */
  private reserve(floats: number): void {
    if (floats > this.scratch.length) this.scratch = this.memory.floats(floats * Float32Array.BYTES_PER_ELEMENT);
  }
}
