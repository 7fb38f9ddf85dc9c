import { checkActivation, type ActivationName } from "../config/activations";
import type { InitializerConfig } from "../config/initializers";
import { makeLayer, type Layer } from "../layer";
import type { Shape } from "../types/shape";
import { RecurrentLayer, type RecurrentKind, type RecurrentOptions } from "./recurrent";

export interface LstmOptions<Seq extends boolean, S extends Shape = Shape> extends RecurrentOptions<Seq, S> {
  recurrentActivation?: ActivationName;
  /** Start the forget gate's bias at 1 (Keras' default). */
  unitForgetBias?: boolean;
}

class LSTM extends RecurrentLayer {
  private readonly recurrentActivation: ActivationName;

  constructor(
    units: number,
    private readonly lstmOptions: LstmOptions<boolean>,
  ) {
    super("LSTM", "lstm", units, 4, lstmOptions);
    this.recurrentActivation = checkActivation("lstm", lstmOptions.recurrentActivation ?? "sigmoid");
  }

  protected extraAttrs() {
    return { recurrentActivation: this.recurrentActivation };
  }

  protected biasInitializer(width: number): InitializerConfig {
    const base = super.biasInitializer(width);
    if (!(this.lstmOptions.unitForgetBias ?? true)) return base;
    return { name: "unitForgetBias", units: this.units, base };
  }
}

/** Long short-term memory, gates in Keras' order i, f, c, o; weights [F, 4U], [U, 4U], [4U]. */
export function lstm<const U extends number, const Seq extends boolean = false, const S extends Shape = never>(
  units: U,
  options: LstmOptions<Seq, S> = {},
): Layer<RecurrentKind<"lstm", U, Seq, S>> {
  return makeLayer(new LSTM(units, options));
}
