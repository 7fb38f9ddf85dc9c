import { describe, expect, it } from "vitest";
import { sigmoidKernelModule } from "../../runtime/activations/sigmoid-kernel";
import { instantiateKernel } from "../../runtime/wasm/instantiate";
import { hostWasm } from "../../runtime/wasm/wasm-api";

// How the runtime's WebAssembly kernels come to life, or give way to their JavaScript fallbacks.

describe("instantiateKernel", () => {
  const bytes = sigmoidKernelModule();
  const host = hostWasm()!;

  it("instantiates a valid module synchronously, exports and all", () => {
    const kernel = instantiateKernel<{ sigmoid: unknown; memory: { buffer: unknown } }>(bytes);
    expect(typeof kernel?.sigmoid).toBe("function");
    expect(kernel?.memory.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it("gives null without WebAssembly, when the host rejects the module (no SIMD) or forbids compiling", () => {
    expect(instantiateKernel(bytes, null)).toBeNull();
    expect(instantiateKernel(bytes, { validate: () => false, Module: host.Module, Instance: host.Instance })).toBeNull();
    const forbidden = class {
      constructor() {
        throw new Error("Wasm code generation disallowed by embedder");
      }
    };
    expect(instantiateKernel(bytes, { validate: () => true, Module: forbidden, Instance: host.Instance })).toBeNull();
  });

  it("refuses a module a browser could not compile synchronously on its main thread (4 KB or more)", () => {
    expect(() => instantiateKernel(new Uint8Array(4096), host)).toThrow("wasm kernel of 4096 bytes: too big to compile synchronously in a browser");
  });
});
