// The Graph IR: plain, JSON-serialisable data that codegen and the runtime consume. Shapes are per
// example; the batch dimension is implicit everywhere.

import type { ActivationName } from "./config/activations";
import type { InitializerConfig } from "./config/initializers";
import type { LossName } from "./config/losses";
import type { MetricConfig } from "./config/metrics";
import type { OptimizerConfig } from "./config/optimizers";
import type { RegularizerConfig } from "./config/regularizers";
import type { DType } from "./types/shape";

export const IR_FORMAT = "typegrad-ir/1";

/** Element-wise activations that are nodes of their own. "linear" never appears as a node. */
export type ActivationOp = Exclude<ActivationName, "linear">;

export type OpName =
  /** A model input; attrs: index (position among the inputs), sparse. */
  | "input"
  /** A weight; attrs: param (its name in `params`). */
  | "param"
  /** [...M, K] x [K, N] -> [...M, N]. */
  | "matmul"
  /** x [..., N] + bias [N]. */
  | "biasAdd"
  | "add"
  | "subtract"
  | "multiply"
  | ActivationOp
  | "exp"
  | "log"
  /** Along the last axis. */
  | "concatenate"
  /** attrs: shape. Also flatten. */
  | "reshape"
  /** attrs: axis (null: every axis of the example). */
  | "sum"
  | "mean"
  /** Inverted dropout, training only; attrs: rate. */
  | "dropout"
  /** A sequence [T, ...] with its steps in reverse order (Bidirectional's backward output). */
  | "reverse"
  /** ids int32 [...S], table [V, D] -> [...S, D]; attrs: inputDim (V), maskZero (id 0 is padding, masked downstream). */
  | "embedding"
  /** x [T, F], kernel [F, U], recurrentKernel [U, U], bias [U]?; attrs: units, activation, returnSequences, goBackwards, useBias, zeroOutputForMask (padded steps output 0; absent: false). */
  | "simpleRNN"
  /** x [T, F], kernel [F, 4U], recurrentKernel [U, 4U], bias [4U]?; gates i, f, c, o; attrs as simpleRNN plus recurrentActivation. */
  | "lstm"
  /** x [T, F], kernel [F, 3U], recurrentKernel [U, 3U], bias [3U] or, with resetAfter, [2, 3U] (input and recurrent); gates z, r, h; attrs as lstm plus resetAfter. */
  | "gru"
  /** x [..., C], gamma?, beta?, movingMean, movingVariance; attrs: momentum, epsilon, center, scale. */
  | "batchNormalization"
  /** x [..., C], gamma?, beta?; normalises over the last axis; attrs: epsilon, center, scale. */
  | "layerNormalization";

export type IRValue = number | boolean | string | null | readonly number[];

export interface IRNode {
  /** Unique, a valid identifier: "dense_1_matmul". */
  readonly id: string;
  readonly op: OpName;
  /** Ids of the nodes this one reads, in the op's argument order. */
  readonly inputs: readonly string[];
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly attrs: Readonly<Record<string, IRValue>>;
  /** The layer (or op call) this node belongs to, for names and comments. */
  readonly layer: string;
}

export interface IRParam {
  /** "dense_1_kernel". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly initializer: InitializerConfig;
  /** False for state updated by the forward pass, such as batch normalisation's moving statistics. */
  readonly trainable: boolean;
  readonly regularizer: RegularizerConfig | null;
  readonly layer: string;
}

export interface IRInput {
  readonly name: string;
  /** The id of its "input" node. */
  readonly node: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly sparse: boolean;
}

/** One row of summary(): a layer or op call, its output and its weights. */
export interface IRLayer {
  readonly name: string;
  readonly type: string;
  /** The shape of each call's output (a shared layer has several). */
  readonly outputShapes: readonly (readonly number[])[];
  readonly params: readonly string[];
  /** Names of the layers feeding it. */
  readonly inbound: readonly string[];
}

export interface IRTraining {
  readonly loss: LossName;
  readonly optimizer: OptimizerConfig;
  readonly metrics: readonly MetricConfig[];
}

export interface GraphIR {
  readonly format: typeof IR_FORMAT;
  /** "sequential", "functional" or the Module's class name. */
  readonly name: string;
  readonly inputs: readonly IRInput[];
  /** Node ids of the outputs. */
  readonly outputs: readonly string[];
  /** In Keras weight order: layers in order, each layer's weights as Keras lists them. */
  readonly params: readonly IRParam[];
  /** Topologically ordered: every node after the nodes it reads. */
  readonly nodes: readonly IRNode[];
  readonly layers: readonly IRLayer[];
  /** Present once compiled. */
  readonly training: IRTraining | null;
  /** Seeds initialisation, dropout masks and shuffling. */
  readonly seed: number;
}
