// The part of the WebAssembly JS API that the runtime uses, typed here because the project's `lib` has no DOM.

export interface WasmModule {
  readonly __brand?: "WebAssembly.Module";
}

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports?: object) => { readonly exports: unknown };
}

/** The host's WebAssembly, or null where there is none. */
export function hostWasm(): WasmApi | null {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}
