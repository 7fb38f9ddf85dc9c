// The LSTM's and GRU's gate functions on the WebAssembly SIMD module (gate-kernel.ts), compiled synchronously
// on first use. A call copies the step's gate block to the start of the module's memory with one
// TypedArray.set, transforms it there and copies it back with another; the views copied through are
// kept from call to call, so a call allocates nothing after the first of its shape.

import { gateKernelModule, VECTOR_FLOATS, type GateKernelExports } from "./gate-kernel";
import { jsGruGates, jsLstmGates, type GruGates, type LstmGates } from "./js-gates";
import { PrefixViews } from "../wasm/prefix-views";
import { ScratchMemory } from "../wasm/scratch-memory";
import { instantiateKernel } from "../wasm/instantiate";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";

// copied out of the import once (see simd-sigmoid.ts: an imported binding may be a getter call)
const FLOATS_PER_VECTOR = VECTOR_FLOATS;

export class SimdGates {
  private readonly memory: ScratchMemory;
  /** The module's memory as floats, as of its last growth. */
  private scratch: Float32Array;
  private readonly inputs = new PrefixViews();

  /** null where there is no WebAssembly, it has no SIMD, or the host forbids compiling (a browser's CSP). */
  static create(wasm: WasmApi | null = hostWasm()): SimdGates | null {
    const kernel = instantiateKernel<GateKernelExports>(gateKernelModule(), wasm);
    return kernel && new SimdGates(kernel);
  }

  private constructor(private readonly kernel: GateKernelExports) {
    this.memory = new ScratchMemory(kernel.memory);
    this.scratch = this.memory.floats(0);
  }

  /** See LstmGates; gates whose width is not a multiple of 4 floats go to the JavaScript one. */
  readonly lstmGates: LstmGates = (values, offset, rows, units) => {
    if (rows === 0) return;
    if (units % FLOATS_PER_VECTOR !== 0) return jsLstmGates(values, offset, rows, units);
    const count = rows * 4 * units;
    this.copyIn(values, offset, count);
    this.kernel.lstmGates(0, rows, units);
    values.set(this.memory.window(0, count), offset);
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
    if (count > this.scratch.length) this.scratch = this.memory.floats(count * Float32Array.BYTES_PER_ELEMENT);
    this.scratch.set(this.inputs.at(values, offset, count));
  }
}
