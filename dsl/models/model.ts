import { DEFAULT_SEED, buildGraph } from "../graph";
import type { GraphIR } from "../ir";
import { summaryText } from "../summary";
import type { AnyTensor } from "../tensor";
import { CompiledModel } from "./compiled-model";
import { resolveSeed, resolveTraining, type CompileConfig } from "./compile-config";

export type ShapesOf<Ts extends readonly AnyTensor[]> = { -readonly [I in keyof Ts]: Ts[I]["shape"] };
export type DTypesOf<Ts extends readonly AnyTensor[]> = { -readonly [I in keyof Ts]: Ts[I]["dtype"] };

/** A graph of layers from inputs to an output, not yet compiled. */
export class Model<Ins extends readonly AnyTensor[], Out extends AnyTensor> {
  constructor(
    readonly name: string,
    readonly inputs: Ins,
    readonly output: Out,
  ) {}

  /** The Graph IR without loss or optimiser. */
  toIR(): GraphIR {
    return buildGraph({ name: this.name, inputs: this.inputs, outputs: [this.output] });
  }

  compile(config: CompileConfig): CompiledModel<ShapesOf<Ins>, Out["shape"], DTypesOf<Ins>> {
    const training = resolveTraining(config, this.output);
    const seed = resolveSeed(config.seed, DEFAULT_SEED);
    const ir = buildGraph({ name: this.name, inputs: this.inputs, outputs: [this.output], training, seed });
    return new CompiledModel(() => ir);
  }

  summary(print: ((line: string) => void) | false = console.log): string {
    const text = summaryText(this.toIR());
    if (print) print(text);
    return text;
  }
}
