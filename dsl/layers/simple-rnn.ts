import { makeLayer, type Layer } from "../layer";
import type { Shape } from "../types/shape";
import { RecurrentLayer, type RecurrentKind, type RecurrentOptions } from "./recurrent";

class SimpleRNN extends RecurrentLayer {
  constructor(units: number, options: RecurrentOptions<boolean>) {
    super("SimpleRNN", "simpleRNN", units, 1, options);
  }

  protected extraAttrs() {
    return {};
  }
}

/** h_t = activation(x_t . kernel + h_{t-1} . recurrentKernel + bias), activation tanh by default. */
export function simpleRNN<const U extends number, const Seq extends boolean = false, const S extends Shape = never>(
  units: U,
  options: RecurrentOptions<Seq, S> = {},
): Layer<RecurrentKind<"simpleRNN", U, Seq, S>> {
  return makeLayer(new SimpleRNN(units, options));
}
