// The sigmoid on the WebAssembly SIMD module, compiled synchronously on first use. A call copies the
// floats to the start of the module's memory, transforms them there, rounded up to whole steps of the
// kernel (the few floats past count are whatever an earlier call left; they are transformed and
// dropped), and copies the first count back.
//
// A call of 8 floats takes about 35 ns (the kernel about 18), so the wrapper keeps its own overhead
// small: both copies are a TypedArray.set (a memcpy, about 6 ns for a few floats, where a JS loop costs
// about 1 ns a float), and the views they copy through are kept from call to call rather than asked of
// ScratchMemory at each call (reading WebAssembly.Memory's buffer costs about 14 ns, ScratchMemory.window
// about 30 ns).

import type { SigmoidInPlace } from "./js-sigmoid";
import { sigmoidKernelModule, STEP_FLOATS, type SigmoidKernelExports } from "./sigmoid-kernel";
import { PrefixViews } from "../wasm/prefix-views";
import { ScratchMemory } from "../wasm/scratch-memory";
import { instantiateKernel } from "../wasm/instantiate";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";

// copied out of the import once: where this file is compiled to CommonJS, each use of an imported
// binding is a getter call, and those more than doubled the time of a call of 8 floats
const FLOATS_PER_STEP = STEP_FLOATS;

export class SimdSigmoid {
  private readonly memory: ScratchMemory;
  /** The module's memory as floats, as of its last growth. */
  private scratch: Float32Array;
  /** The floats that the last call copied out. */
  private out: Float32Array = new Float32Array(0);
  /** Views of the first count floats of arrays longer than count (a kernel's buffer sized for a larger batch). */
  private readonly prefixes = new PrefixViews();

  /** null where there is no WebAssembly, it has no SIMD, or the host forbids compiling (a browser's CSP). */
  static create(wasm: WasmApi | null = hostWasm()): SimdSigmoid | null {
    const kernel = instantiateKernel<SigmoidKernelExports>(sigmoidKernelModule(), wasm);
    return kernel && new SimdSigmoid(kernel);
  }

  private constructor(private readonly kernel: SigmoidKernelExports) {
    this.memory = new ScratchMemory(kernel.memory);
    this.scratch = this.memory.floats(0);
  }

  /** values[i] = σ(values[i]) for i < count; values must hold count floats. */
  readonly sigmoidInPlace: SigmoidInPlace = (values, count) => {
    if (count === 0) return;
    const floats = Math.ceil(count / FLOATS_PER_STEP) * FLOATS_PER_STEP;
    if (floats > this.scratch.length) this.grow(floats * Float32Array.BYTES_PER_ELEMENT);
    this.scratch.set(this.prefixes.of(values, count));
    this.kernel.sigmoid(0, floats);
    if (this.out.length !== count) this.out = this.memory.window(0, count);
    values.set(this.out);
  };

  /** Grows the memory to at least `bytes`; the views made before are then detached. */
  private grow(bytes: number): void {
    this.scratch = this.memory.floats(bytes);
    this.out = new Float32Array(0);
  }
}
