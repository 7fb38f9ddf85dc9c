export const ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leakyRelu", "softmax", "step"] as const;

export type ActivationName = (typeof ACTIVATIONS)[number];

export function checkActivation(op: string, name: unknown): ActivationName {
  if (!(ACTIVATIONS as readonly unknown[]).includes(name)) {
    throw new Error(`${op}: unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(", ")}`);
  }
  return name as ActivationName;
}
