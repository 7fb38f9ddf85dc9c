// A model as it trains where there is no WebAssembly: a dense stack through its JavaScript kernels,
// not the fused step (runtime/dense-step). Reaches the model's private field: tests only.

export function withoutFusedStep<M extends object>(model: M): M {
  return Object.assign(model, { denseStep: null });
}
