// One of the runtime's kernel modules instantiated on gemm's shared memory, so that it works where the
// arrays of gemm's resident heap lie (a model's activations and gradients, an optimiser's weights),
// copying nothing in or out. Only where gemm's memory is shared: hosts with worker threads.

import { simdGemm } from "./gemm";
import { SHARED_MAXIMUM_PAGES } from "./simd-gemm";
import type { ResidentHeap } from "../wasm/resident-heap";
import type { GrowableMemory } from "../wasm/scratch-memory";
import { compileKernel, instanceOf } from "../wasm/instantiate";
import type { SharedMemoryImport } from "../wasm/wasm-assembler";
import { hostWasm, type WasmApi, type WasmModule } from "../wasm/wasm-api";

export interface GemmMemoryKernel<Exports> {
  /** The module's functions, on gemm's memory. */
  readonly exports: Exports;
  readonly memory: GrowableMemory;
  /** Where the arrays that need no copy lie. */
  readonly heap: ResidentHeap;
  /** The byte address of scratch room for `bytes` (above the heap; gemm's next call overwrites it), the memory grown to hold it. */
  scratch(bytes: number): number;
  /** The memory as floats, grown to hold at least `bytes`. */
  floats(bytes: number): Float32Array;
}

const compiled = new WeakMap<(shared: SharedMemoryImport) => Uint8Array, WasmModule | null>();

/** The module that `build` makes for a shared memory, instantiated on gemm's; null where gemm's memory is not shared (or there is no gemm module). */
export function onGemmMemory<Exports>(build: (shared: SharedMemoryImport) => Uint8Array, wasm: WasmApi | null = hostWasm()): GemmMemoryKernel<Exports> | null {
  const gemm = wasm && wasm === hostWasm() ? simdGemm() : null;
  const heap = gemm?.residentHeap;
  if (!gemm || !heap) return null;
  if (!compiled.has(build)) compiled.set(build, compileKernel(build({ maximumPages: SHARED_MAXIMUM_PAGES }), wasm, false));
  const module = compiled.get(build);
  const memory = gemm.wasmMemory;
  const exports = module && instanceOf<Exports>(module, wasm!, { env: { memory } });
  if (!exports) return null;
  return {
    exports,
    memory,
    heap,
    scratch(bytes) {
      const at = gemm.firstFreeAddress;
      gemm.floats(at + bytes);
      return at;
    },
    floats: (bytes) => gemm.floats(bytes),
  };
}
