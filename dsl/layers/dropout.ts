import { LayerCore, makeLayer, type Layer } from "../layer";
import { opTensor, type AnyTensor } from "../tensor";
import type { FloatIdentityKind } from "./float-identity";

class Dropout extends LayerCore {
  constructor(
    private readonly rate: number,
    name?: string,
  ) {
    super("Dropout", "dropout", name);
    if (!(typeof rate === "number" && rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  }

  protected apply(x: AnyTensor): AnyTensor {
    if (x.dtype !== "float32") throw new Error("dropout: needs float32 input, got int32");
    return opTensor(x.shape, "float32", "dropout", [x], this, { rate: this.rate });
  }
}

/** Inverted dropout: in training, zeroes each unit with probability `rate` and scales the rest by 1/(1-rate). */
export function dropout(rate: number, options: { name?: string } = {}): Layer<FloatIdentityKind<"dropout">> {
  return makeLayer(new Dropout(rate, options.name));
}
