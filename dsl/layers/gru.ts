import { checkActivation, type ActivationName } from "../config/activations";
import { makeLayer, type Layer } from "../layer";
import type { Shape } from "../types/shape";
import { RecurrentLayer, type RecurrentKind, type RecurrentOptions } from "./recurrent";

export interface GruOptions<Seq extends boolean, S extends Shape = Shape> extends RecurrentOptions<Seq, S> {
  recurrentActivation?: ActivationName;
  /** Apply the reset gate after the recurrent product, with separate input and recurrent biases (Keras 3's default). */
  resetAfter?: boolean;
}

class GRU extends RecurrentLayer {
  private readonly recurrentActivation: ActivationName;
  private readonly resetAfter: boolean;

  constructor(units: number, options: GruOptions<boolean>) {
    super("GRU", "gru", units, 3, options);
    this.recurrentActivation = checkActivation("gru", options.recurrentActivation ?? "sigmoid");
    this.resetAfter = options.resetAfter ?? true;
  }

  protected extraAttrs() {
    return { recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
  }

  protected biasShape(width: number): number[] {
    return this.resetAfter ? [2, width] : [width];
  }
}

/**
 * Gated recurrent unit, gates in Keras' order z, r, h: z = σ(x·K_z + h·R_z), r = σ(x·K_r + h·R_r),
 * h̃ = tanh(x·K_h + r ⊙ (h·R_h)) (resetAfter, the default; else (r ⊙ h)·R_h), h = z ⊙ h + (1 − z) ⊙ h̃.
 */
export function gru<const U extends number, const Seq extends boolean = false, const S extends Shape = never>(units: U, options: GruOptions<Seq, S> = {}): Layer<RecurrentKind<"gru", U, Seq, S>> {
  return makeLayer(new GRU(units, options));
}
