import { checkTensor } from "../checks";
import type { AnyTensor } from "../tensor";
import { Model } from "./model";

type InputList<I> = I extends AnyTensor ? [I] : I extends readonly AnyTensor[] ? [...I] : never;

/** A model from its inputs to its output, as Keras' functional API: `model({ inputs: [a, b], outputs: z })`. */
export function model<const I extends AnyTensor | readonly AnyTensor[], O extends AnyTensor>(spec: {
  inputs: I;
  outputs: O;
  name?: string;
}): Model<InputList<I>, O> {
  if (spec === null || typeof spec !== "object") throw new Error("model: expects { inputs, outputs }");
  const inputs = (Array.isArray(spec.inputs) ? spec.inputs : [spec.inputs]) as AnyTensor[];
  if (inputs.length === 0) throw new Error("model: needs at least one input");
  inputs.forEach((x) => checkTensor("model", x));
  checkTensor("model", spec.outputs);
  return new Model(spec.name ?? "functional", inputs as InputList<I>, spec.outputs);
}
