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
import type { Shape } from "../types/shape";
import { addWeight, paramTensor } from "../weights";
import type { CheckInputShape, DeclaredInput } from "./input-shape";

export interface RecurrentOptions<Seq extends boolean, S extends Shape = Shape> {
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
  /**
   * The [timesteps, features] of one example (Keras' input_shape), checked when the layer is
   * applied. As the first layer of an empty `sequential()` it makes the model's input.
   */
  inputShape?: S;
  name?: string;
}

export type Recurrent<Op extends string, T, U extends number, Seq extends boolean> =
  T extends Tensor<infer S, infer D>
    ? D extends "int32"
      ? `${Op}: needs float32 input, got int32`
      : S extends readonly [infer Steps extends number, number]
        ? true extends Seq
          ? Tensor<[Steps, U]>
          : Tensor<[U]>
        : `${Op}: needs [timesteps, features], got rank ${S["length"]}`
    : never;

export interface RecurrentKind<Op extends string, U extends number, Seq extends boolean, S extends Shape = never> extends LayerKind {
  readonly output: CheckInputShape<Op, S, this["input"], Recurrent<Op, this["input"], U, Seq>>;
  readonly declaredInput: DeclaredInput<S, "float32">;
  /** Type-level only, for wrappers (bidirectional): the op, units and returnSequences. */
  readonly recurrent: { readonly op: Op; readonly units: U; readonly sequences: Seq };
}

export abstract class RecurrentLayer extends LayerCore {
  protected readonly activation: ActivationName;
  private weights: RecurrentWeights | undefined;

  constructor(
    typeName: string,
    readonly op: Extract<OpName, "simpleRNN" | "lstm" | "gru">,
    protected readonly units: number,
    protected readonly gates: number,
    protected readonly options: RecurrentOptions<boolean>,
  ) {
    super(typeName, op === "simpleRNN" ? "simple_rnn" : op, options.name);
    checkPositiveInteger(op, "units", units);
    this.activation = checkActivation(op, options.activation ?? "tanh");
    if (options.inputShape !== undefined) this.declareInputShape(op, options.inputShape, "float32");
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

  /** Checks a sequence input; returns [steps, features]. */
  checkInput(x: AnyTensor, op: string = this.op): [number, number] {
    if (x.dtype !== "float32") throw new Error(`${op}: needs float32 input, got ${x.dtype}`);
    if (x.shape.length !== 2) throw new Error(`${op}: needs [timesteps, features], got rank ${x.shape.length}`);
    return x.shape as [number, number];
  }

  get returnSequences(): boolean {
    return this.options.returnSequences ?? false;
  }

  get goBackwards(): boolean {
    return this.options.goBackwards ?? false;
  }

  get outputUnits(): number {
    return this.units;
  }

  protected apply(x: AnyTensor): AnyTensor {
    const [, features] = this.checkInput(x);
    const built = this.weights?.kernel.shape[0];
    if (built !== undefined && built !== features) {
      throw new Error(`${this.op}: expects ${built} input features, got ${features} (input ${shapeText(x.shape)})`);
    }
    this.weights ??= this.buildWeights(this, "", features);
    return this.emit(x, this.weights, this, this.goBackwards);
  }

  /**
   * The node of this layer's op on x, with the given weights, owned by `owner` (this layer, or a
   * Bidirectional around it). `zeroOutputForMask`: padded steps output zeros instead of the state
   * carried over them (Keras' zero_output_for_mask, which Bidirectional sets with returnSequences).
   */
  emit(x: AnyTensor, weights: RecurrentWeights, owner: LayerCore, goBackwards: boolean, zeroOutputForMask = false): AnyTensor {
    const { op, units } = this;
    const [steps] = x.shape as [number, number];
    const returnSequences = this.returnSequences;
    const inputs = [weights.kernel, weights.recurrent, ...(weights.bias ? [weights.bias] : [])].map(paramTensor);
    const attrs = {
      units,
      activation: this.activation,
      returnSequences,
      goBackwards,
      useBias: weights.bias !== null,
      ...this.extraAttrs(),
      ...(zeroOutputForMask ? { zeroOutputForMask } : {}),
    };
    return opTensor(returnSequences ? [steps, units] : [units], "float32", op, [x, ...inputs], owner, attrs);
  }

  /** This layer's weights for `features` inputs, owned by `owner` with names prefixed ("forward_kernel"). */
  buildWeights(owner: LayerCore, prefix: string, features: number): RecurrentWeights {
    const { options, units, gates } = this;
    const width = gates * units;
    const kernel = addWeight({
      owner,
      localName: `${prefix}kernel`,
      shape: [features, width],
      initializer: options.kernelInitializer ?? "glorotUniform",
      regularizer: options.kernelRegularizer ?? null,
    });
    const recurrent = addWeight({
      owner,
      localName: `${prefix}recurrent_kernel`,
      shape: [units, width],
      initializer: options.recurrentInitializer ?? "orthogonal",
      regularizer: options.recurrentRegularizer ?? null,
    });
    const useBias = options.useBias ?? true;
    const bias = useBias ? new ParamClass(owner, `${prefix}bias`, this.biasShape(width), this.biasInitializer(width), true, options.biasRegularizer ?? null) : null;
    return { kernel, recurrent, bias };
  }
}

export interface RecurrentWeights {
  readonly kernel: Param;
  readonly recurrent: Param;
  readonly bias: Param | null;
}
