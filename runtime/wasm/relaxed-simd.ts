// Whether the host's WebAssembly has relaxed SIMD (f32x4.relaxed_madd): Node 20's V8 11.3 only with
// --experimental-wasm-relaxed-simd, later engines by default. Asked by validating a one-instruction
// module, since a module using an instruction the engine lacks fails validation as a whole. On a
// Node whose V8 has it behind that flag, turnOnRelaxedSimd sets the flag (v8.setFlagsFromString,
// which takes effect for modules compiled afterwards), unless TYPEGRAD_RELAXED_SIMD=0.

import { ModuleBuilder } from "./wasm-assembler";
import type { WasmApi } from "./wasm-api";
import { nodeBuiltin, type NodeHost } from "../node-host";

function relaxedMaddProbe(): Uint8Array {
  const module = new ModuleBuilder(1);
  const f = module.function("madd", [["a", "v128"], ["b", "v128"], ["c", "v128"]], ["v128"]);
  f.get("a").get("b").get("c").op("f32x4.relaxed_madd");
  return module.encode();
}

export function hasRelaxedSimd(wasm: WasmApi): boolean {
  return wasm.validate(relaxedMaddProbe());
}


/**
 * Turns on relaxed SIMD in the host's engine where it is there behind V8's flag (Node 20), and says
 * whether the engine has it now. Elsewhere (browsers, later Nodes, TYPEGRAD_RELAXED_SIMD=0) it only asks.
 */
export function turnOnRelaxedSimd(wasm: WasmApi, host: NodeHost = globalThis as NodeHost): boolean {
  if (hasRelaxedSimd(wasm)) return true;
  if (host.process?.env?.TYPEGRAD_RELAXED_SIMD === "0") return false;
  nodeBuiltin<{ setFlagsFromString(flags: string): void }>("v8", host)?.setFlagsFromString("--experimental-wasm-relaxed-simd");
  return hasRelaxedSimd(wasm);
}
