// The models the fused WebAssembly training step runs: a chain of Dense layers on one float input,
// trained on the mean squared error. The generated module describes its model this way when it
// qualifies (codegen/kernels/dense-stack.ts); the weights are the Dense layers' kernels and biases in
// Keras order, all trainable.

export type DenseStackActivation = "linear" | "relu" | "sigmoid";

export interface DenseStackLayer {
  readonly units: number;
  readonly activation: DenseStackActivation;
  readonly useBias: boolean;
}

export interface DenseStack {
  /** The size of an example's input. */
  readonly inputs: number;
  readonly layers: readonly DenseStackLayer[];
  readonly loss: "meanSquaredError";
}

/** The number of floats of each weight, in Keras order: kernel [inputs, units], then bias [units] when used. */
export function denseStackWeightSizes(stack: DenseStack): number[] {
  let inputs = stack.inputs;
  const sizes: number[] = [];
  for (const layer of stack.layers) {
    sizes.push(inputs * layer.units);
    if (layer.useBias) sizes.push(layer.units);
    inputs = layer.units;
  }
  return sizes;
}

export function denseStackOutputs(stack: DenseStack): number {
  return stack.layers[stack.layers.length - 1]!.units;
}
