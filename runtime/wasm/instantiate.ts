// Instantiating one of the runtime's small WebAssembly kernels, synchronously, or null to fall back
// to JavaScript where there is no WebAssembly, it lacks what the module uses (SIMD), or the host
// forbids compiling (a browser's CSP).

import { hostWasm, type WasmApi, type WasmModule } from "./wasm-api";

/** Synchronous compiling is allowed on a browser's main thread only for modules under 4 KB. */
export const SYNC_COMPILE_LIMIT_BYTES = 4096;

export function instantiateKernel<Exports>(bytes: Uint8Array, wasm: WasmApi | null = hostWasm()): Exports | null {
  const module = compileKernel(bytes, wasm);
  return module && instanceOf<Exports>(module, wasm!);
}

/**
 * The compiled module, for a kernel instantiated many times (each instance with a memory of its own);
 * null as instantiateKernel. `forBrowsers` false: a module compiled only where Node's worker threads
 * run (gemm's on shared memory), never on a browser's main thread, so the browser's limit does not hold.
 */
export function compileKernel(bytes: Uint8Array, wasm: WasmApi | null = hostWasm(), forBrowsers = true): WasmModule | null {
  if (forBrowsers && bytes.length >= SYNC_COMPILE_LIMIT_BYTES) throw new Error(`wasm kernel of ${bytes.length} bytes: too big to compile synchronously in a browser`);
  if (!wasm || !wasm.validate(bytes)) return null;
  try {
    return new wasm.Module(bytes);
  } catch {
    return null;
  }
}

/** A new instance of a compiled kernel (given its imports, as a shared memory), or null where the host refuses it. */
export function instanceOf<Exports>(module: WasmModule, wasm: WasmApi, imports?: object): Exports | null {
  try {
    return new wasm.Instance(module, imports).exports as Exports;
  } catch {
    return null;
  }
}
