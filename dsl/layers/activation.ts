import { checkActivation, type ActivationName } from "../config/activations";
import { LayerCore, makeLayer, type Layer } from "../layer";
import { activationNode } from "../ops/unary";
import type { AnyTensor } from "../tensor";
import type { FloatIdentityKind } from "./float-identity";

class Activation extends LayerCore {
  constructor(
    private readonly activation: ActivationName,
    private readonly alpha: number,
    name?: string,
  ) {
    super("Activation", "activation", name);
  }

  protected apply(x: AnyTensor): AnyTensor {
    if (x.dtype !== "float32") throw new Error("activation: needs float32 input, got int32");
    return activationNode(this.activation, x, this, this.alpha);
  }
}

/** An activation as a layer: `activation("softmax")` inside `sequential`. */
export function activation(name: ActivationName, options: { alpha?: number; name?: string } = {}): Layer<FloatIdentityKind<"activation">> {
  return makeLayer(new Activation(checkActivation("activation", name), options.alpha ?? 0.2, options.name));
}
