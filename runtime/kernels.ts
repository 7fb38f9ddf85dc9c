// The contract between a generated module and the runtime.

import type { GraphIR } from "../dsl/ir";
import type { DenseStack } from "./dense-step/dense-stack";

export type { GraphIR, IRParam, IRInput, IRLayer, IRTraining } from "../dsl/ir";
export type { Shape, DType } from "../dsl/types/shape";

/** What the runtime needs of a model's IR: everything but the nodes, which live on as kernels. */
export type ModelSpec = Omit<GraphIR, "nodes"> & {
  /** The per-example shape of the output. */
  readonly outputShape: readonly number[];
  /** The Keras summary table, made at generation time. */
  readonly summary: string;
  /** For each input: the bound its token ids must stay under (the inputDim of the embedding reading it), or null. */
  readonly idLimits: readonly (number | null)[];
};

/** The random numbers a training step draws (dropout masks). */
export interface UniformSource {
  /** A number in [0, 1). */
  uniform(): number;
}

/** A batch of a sparse input in compressed sparse row form: row r's non-zeros are [indptr[r], indptr[r + 1]). */
export interface SparseRows {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** The arrays every generated model exposes to the runtime. */
export interface KernelBuffers {
  readonly inputs: readonly (Float32Array | Int32Array | SparseRows)[];
  readonly output: Float32Array;
  readonly target: Float32Array;
  /**
   * When the output carries an embedding's mask (maskZero): one number per output vector (last axis),
   * 1 where its position holds a token and 0 where it is padding. The loss leaves the padded vectors
   * out, and so do the metrics.
   */
  readonly outputMask?: Float32Array;
}

/** The functions a generated module provides. `batch` is the number of examples in the buffers. */
export interface Kernels<B extends KernelBuffers = KernelBuffers> {
  /**
   * Allocates every buffer for batches of up to `maxBatch`; weights and gradients are shared, not
   * copied. Float buffers come from `floats` (zeroed, as new Float32Arrays are): the runtime puts them
   * where its kernels read them without copying (gemm's resident heap) where it can.
   */
  createBuffers(maxBatch: number, params: readonly Float32Array[], grads: readonly Float32Array[], rng: UniformSource, floats: (count: number) => Float32Array): B;
  forwardTrain(bufs: B, batch: number): void;
  forwardInfer(bufs: B, batch: number): void;
  /** The mean loss over the batch plus the weight penalties, from `output` and `target`. */
  loss(bufs: B, batch: number): number;
  /** Fills the gradients of every trainable weight (after forwardTrain). */
  backward(bufs: B, batch: number): void;
  /** Set for a chain of Dense layers trained on the mean squared error: training steps then run fused on WebAssembly SIMD where it is available. */
  readonly denseStack?: DenseStack;
  /** Every step function by name, for profiling and for checking that V8 optimises them. */
  readonly steps: Readonly<Record<string, (bufs: B, batch: number) => void>>;
}
