// What simpleRNN, lstm and gru share: the [timesteps, features] input rule, and weights laid out as
// Keras (kernel [F, G*U], recurrent kernel [U, G*U], bias [G*U], with G gates; gru with resetAfter
// keeps an input and a recurrent bias, [2, 3U]).

import { checkActivation, type ActivationName } from "../config/activations";
import type { InitializerArg, InitializerConfig } from "../config/initializers";
import { resolveInitializer } from "../config/initializers";
import type { RegularizerConfig } from "../config/regularizers";
import { checkPositiveInteger } from "../checks";
import { LayerCore, type LayerKind } from "../layer";
import type { OpName } from "../ir";
import type { Param } from "../param";
import { Param as ParamClass } from "../param";
import { shapeText } from "../shapes";
import { opTensor, Tensor, type AnyTensor } from "../tensor";
import { addWeight, paramTensor } from "../weights";

export interface RecurrentOptions<Seq extends boolean> {
  activation?: ActivationName;
  useBias?: boolean;
  /** Output every step ([timesteps, units]) instead of the last one ([units]). */
  returnSequences?: Seq;
  /** Process the sequence last step first; the output comes in processing order (Keras' go_backwards). */
  goBackwards?: boolean;
  kernelInitializer?: InitializerArg;
  recurrentInitializer?: InitializerArg;
  biasInitializer?: InitializerArg;
  kernelRegularizer?: RegularizerConfig;
  recurrentRegularizer?: RegularizerConfig;
  biasRegularizer?: RegularizerConfig;
  name?: string;
}

type Recurrent<Op extends string, T, U extends number, Seq extends boolean> =
  T extends Tensor<infer S, infer D>
    ? D extends "int32"
      ? `${Op}: needs float32 input, got int32`
      : S extends readonly [infer Steps extends number, number]
        ? true extends Seq
          ? Tensor<[Steps, U]>
          : Tensor<[U]>
        : `${Op}: needs [timesteps, features], got rank ${S["length"]}`
    : never;

export interface RecurrentKind<Op extends string, U extends number, Seq extends boolean> extends LayerKind {
  readonly output: Recurrent<Op, this["input"], U, Seq>;
}

export abstract class RecurrentLayer extends LayerCore {
  protected readonly activation: ActivationName;
  private weights: { kernel: Param; recurrent: Param; bias: Param | null } | undefined;

  constructor(
    typeName: string,
    protected readonly op: Extract<OpName, "simpleRNN" | "lstm" | "gru">,
    protected readonly units: number,
    protected readonly gates: number,
    protected readonly options: RecurrentOptions<boolean>,
  ) {
    super(typeName, op === "simpleRNN" ? "simple_rnn" : op, options.name);
    checkPositiveInteger(op, "units", units);
    this.activation = checkActivation(op, options.activation ?? "tanh");
  }

  /** Extra attributes of the node (lstm and gru: the recurrent activation; gru: resetAfter). */
  protected abstract extraAttrs(): Record<string, string | boolean>;

  /** The bias's shape: [G*U], or gru's [2, 3U] with resetAfter. */
  protected biasShape(width: number): number[] {
    return [width];
  }

  /** The bias initialiser; lstm puts ones on the forget gate. */
  protected biasInitializer(width: number): InitializerConfig {
    return resolveInitializer(this.options.biasInitializer ?? "zeros", this.biasShape(width), `${this.op}: bias`);
  }

  protected apply(x: AnyTensor): AnyTensor {
    const { op, units } = this;
    if (x.dtype !== "float32") throw new Error(`${op}: needs float32 input, got ${x.dtype}`);
    if (x.shape.length !== 2) throw new Error(`${op}: needs [timesteps, features], got rank ${x.shape.length}`);
    const [steps, features] = x.shape as [number, number];
    const built = this.weights?.kernel.shape[0];
    if (built !== undefined && built !== features) {
      throw new Error(`${op}: expects ${built} input features, got ${features} (input ${shapeText(x.shape)})`);
    }
    const { kernel, recurrent, bias } = (this.weights ??= this.build(features));
    const returnSequences = this.options.returnSequences ?? false;
    const weights = [kernel, recurrent, ...(bias ? [bias] : [])].map(paramTensor);
    const goBackwards = this.options.goBackwards ?? false;
    const attrs = { units, activation: this.activation, returnSequences, goBackwards, useBias: bias !== null, ...this.extraAttrs() };
    return opTensor(returnSequences ? [steps, units] : [units], "float32", op, [x, ...weights], this, attrs);
  }

  private build(features: number) {
    const { options, units, gates } = this;
    const width = gates * units;
    const kernel = addWeight({
      owner: this,
      localName: "kernel",
      shape: [features, width],
      initializer: options.kernelInitializer ?? "glorotUniform",
      regularizer: options.kernelRegularizer ?? null,
    });
    const recurrent = addWeight({
      owner: this,
      localName: "recurrent_kernel",
      shape: [units, width],
      initializer: options.recurrentInitializer ?? "orthogonal",
      regularizer: options.recurrentRegularizer ?? null,
    });
    const useBias = options.useBias ?? true;
    const bias = useBias ? new ParamClass(this, "bias", this.biasShape(width), this.biasInitializer(width), true, options.biasRegularizer ?? null) : null;
    return { kernel, recurrent, bias };
  }
}
