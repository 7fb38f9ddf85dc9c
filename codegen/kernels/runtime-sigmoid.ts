// Wide sigmoid layers store their pre-activations from the product, then call the runtime's
// sigmoidInPlace (WebAssembly SIMD, four lanes at a time) over the whole batch. Narrow layers keep
// the sigmoid inline, where a Math.exp per element costs less than the call.

/** Units from which a sigmoid layer without fused dropout hands its activation to sigmoidInPlace. */
export const RUNTIME_SIGMOID_MIN_UNITS = 8;

export function usesRuntimeSigmoid(activation: string | null, units: number, fusedDropout: boolean): boolean {
  return activation === "sigmoid" && !fusedDropout && units >= RUNTIME_SIGMOID_MIN_UNITS;
}

/** The call applying the sigmoid to rows × units pre-activations stored at the start of `buf`. */
export function runtimeSigmoid(buf: string, rows: string | number, units: number): string {
  return `sigmoidInPlace(${buf}, ${rows} * ${units});`;
}
