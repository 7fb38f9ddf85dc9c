// Whether the host's WebAssembly has relaxed SIMD (f32x4.relaxed_madd): Node 20's V8 11.3 only with
// --experimental-wasm-relaxed-simd, later engines by default. Asked by validating a one-instruction
// module, since a module using an instruction the engine lacks fails validation as a whole.

import { ModuleBuilder } from "./wasm-assembler";
import type { WasmApi } from "./wasm-api";

function relaxedMaddProbe(): Uint8Array {
  const module = new ModuleBuilder(1);
  const f = module.function("madd", [["a", "v128"], ["b", "v128"], ["c", "v128"]], ["v128"]);
  f.get("a").get("b").get("c").op("f32x4.relaxed_madd");
  return module.encode();
}

export function hasRelaxedSimd(wasm: WasmApi): boolean {
  return wasm.validate(relaxedMaddProbe());
}
