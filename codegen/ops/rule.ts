// What one op is to code generation and to the reference interpreter, in one place: its typed
// attributes, the buffers it needs beyond its value and gradient, its forward lowering (training and
// inference), its backward lowering, how it fuses into a product's store, and its plain float64
// reference rules. The passes loop over the registry (registry.ts) and name no op.

import type { IRNode, IRValue, OpName } from "../../dsl/ir";
import type { OpCall, RunContext } from "../interpreter/op-call";
import type { BufferSpec, Mode, Step } from "../lowering/common";
import type { FusedGroup } from "../lowering/fusion";
import type { ActivationEntry } from "./activation-table";

/** Every op but the graph's leaves (inputs and weights), which the passes fill in themselves. */
export type ComputedOp = Exclude<OpName, "input" | "param">;

/** A node with its attributes read and checked. */
export interface OpNode<A> {
  readonly node: IRNode;
  readonly attrs: A;
}

/** What a rule may ask of the model while lowering. */
export interface LoweringContext {
  node(id: string): IRNode;
  /** The buffer holding a node's value in this mode. */
  value(id: string, mode: Mode): string;
  /** The buffer holding d loss / d node. */
  grad(id: string): string;
  /** Elements per example. */
  size(id: string): number;
  /** The node's rows seen as a matrix [rows, lastDim] over the batch: "batch" or "batch * k". */
  rows(node: IRNode): string;
  lastDim(id: string): number;
  needsGrad(id: string): boolean;
  isTrainableParam(id: string): boolean;
  /** Whether a weight's gradient has one writer: the weight has one reader and no penalty (L1, L2). */
  gradientHasOneWriter(paramId: string): boolean;
  /** The fused product a node belongs to, if any. */
  group(id: string): FusedGroup | undefined;
  isSparse(id: string): boolean;
  sparseBuffers(id: string): { indptr: string; indices: string; values: string };
  /** The node whose gradient the loss seeds directly (a softmax or sigmoid fused with its loss), or null. */
  fusedLossInput(): IRNode | null;
  /** A layer's name for something a node keeps ("batch_normalization_xhat"; "_2" for its second call). */
  local(node: IRNode, what: string): string;
  /**
   * The buffer of the mask a node's value carries (an embedding's with maskZero, passed on by the
   * layers after it), or null: one number per position of the embedding's ids, 1 where the id is a
   * token and 0 where it is padding (id 0).
   */
  mask(id: string): string | null;
  /** A fused group's stages, through their rules' fusion hooks. */
  stages(group: FusedGroup): FusedStages;
  /**
   * The gather a node's value is made by, when every reader takes the value through it (readsGathered),
   * copying each row from the table itself and scatter-adding its gradient there: the node then has
   * no value or gradient buffer, and lowers to nothing but what else it writes (a mask). Else null.
   */
  gathered(id: string, mode: Mode): RowGather | null;
}

/** A value whose rows are rows of a table picked by ids (an embedding's), as its readers take it straight from the table. */
export interface RowGather {
  /** The table's buffer. */
  readonly table: string;
  /** The whole value, for comments: "embedding_embeddings[input]". */
  readonly name: string;
  /** For comments: "embedding_embeddings[input[r], :]". */
  describe(position: string): string;
  /** Where the table row of the value's row `position` (over batch and positions) starts in the table, as code. */
  rowStart(position: string): string;
  /** The ids' buffer, and the floats of a table row. */
  readonly ids: string;
  readonly width: number;
  /**
   * Backward, when the table takes a gradient: its buffer, and the lines that ready it for the reader's
   * scatter-add (zeroing it, where this is its first write).
   */
  tableGradient(ctx: BackwardContext): { readonly buffer: string; readonly prepare: string[] } | null;
}

/** The stages of a fused product, as the product's lowering uses them. */
export interface FusedStages {
  /** The weight added per column. */
  readonly bias: { readonly weight: string } | null;
  readonly activation: { readonly entry: ActivationEntry; readonly alpha: number; readonly node: IRNode } | null;
  readonly mask: {
    readonly node: IRNode;
    store(value: string, at: string): string[];
    gradientFactor(at: string): string;
    readonly description: string;
  } | null;
}

/** Backward also tracks which gradient buffers have been written: the first write is "=", the rest "+=". */
export interface BackwardContext extends LoweringContext {
  assign(buffer: string): "=" | "+=";
}

/** How an op joins the store of the matrix product before it (stages run in this order). */
export type FusionRole<A> =
  | { readonly stage: "bias"; /** The weight added per column. */ weight(op: OpNode<A>): string }
  | { readonly stage: "activation"; activation(op: OpNode<A>): ActivationEntry; alpha(op: OpNode<A>): number }
  | {
      readonly stage: "mask";
      /** Lines drawing the mask at `at` and writing `value` times it into the node's own value. */
      store(op: OpNode<A>, value: string, at: string): string[];
      /** The factor the upstream gradient at `at` takes: the mask. */
      gradientFactor(op: OpNode<A>, at: string): string;
      /** For the step's comment: "dropout(0.5)". */
      describe(op: OpNode<A>): string;
    };

/** Reference rules: forward fills call.out; backward adds the vector-Jacobian product into dArgs. */
export interface ReferenceRule<A> {
  forward(call: OpCall<A>, ctx: RunContext): void;
  backward(call: OpCall<A>, dOut: Float64Array, dArgs: readonly (Float64Array | null)[], ctx: RunContext): void;
  /** The value differs per example even when every argument is shared (dropout, batch statistics). */
  readonly perExample?: boolean;
}

export interface OpRule<A> {
  attrs(node: IRNode): A;
  reference: ReferenceRule<A>;
  /** Lowering; absent where code generation cannot do the op yet (the reason then says why). */
  forward?(op: OpNode<A>, ctx: LoweringContext, mode: Mode): Step | null;
  backward?(op: OpNode<A>, ctx: BackwardContext): Step | null;
  /** Why generation refuses this node, or null. */
  refuse?(op: OpNode<A>, ctx: LoweringContext): string | null;
  /** Buffers beyond the value and its gradient: masks, tapes, per-channel statistics. */
  buffers?(op: OpNode<A>, ctx: LoweringContext): BufferSpec[];
  /** The node whose value buffer this one's is (reshape: its input's), or null for a buffer of its own. */
  sharesValueOf?(op: OpNode<A>, mode: Mode): string | null;
  /** The node whose gradient buffer this one's is, or null. */
  sharesGradOf?(op: OpNode<A>): string | null;
  /** Whether this node heads a fused product (a matmul with a weight). */
  headsProduct?(op: OpNode<A>, ctx: Pick<LoweringContext, "node">): boolean;
  fusion?: FusionRole<A>;
  /** Where the value is rows of a table picked by ids (an embedding): how a reader takes them straight from the table. */
  rowGather?(op: OpNode<A>, ctx: LoweringContext, mode: Mode): RowGather;
  /** Whether argument `index` may be read through its gather (rowGather): the reader copies the rows from the table and scatter-adds their gradient. */
  readsGathered?(op: OpNode<A>, index: number): boolean;
  /** Whether argument `index` may be a sparse (CSR) input. */
  readsSparse?(op: OpNode<A>, index: number, ctx: Pick<LoweringContext, "node">): boolean;
  /** Why gradients cannot flow through this node (a step), or null. */
  blocksGradient?(op: OpNode<A>): string | null;
  /** Why this node cannot be the model's output, or null. */
  notAnOutput?(op: OpNode<A>): string | null;
  /** Ids fed to argument `index` must lie in [0, limit): the limit, or null. */
  idLimit?(op: OpNode<A>, index: number): number | null;
  /** Whether the node's output carries a mask (an embedding with maskZero). */
  producesMask?(op: OpNode<A>): boolean;
  /** What a mask on its arguments does at this node (Keras' supports_masking and compute_mask); absent: the node cannot take one. */
  masking?(op: OpNode<A>, masked: MaskedArgs, ctx: Pick<LoweringContext, "node">): MaskUse;
}

/** The arguments of a node that carry a mask, and the mask's axes. */
export interface MaskedArgs {
  /** Indices of the arguments that carry it. */
  readonly args: readonly number[];
  /** The mask's axes: the shape of the embedding's ids, the leading axes of every tensor carrying it. */
  readonly positions: readonly number[];
}

/**
 * "keeps": the output carries the mask on (an op within each position: dense, an activation, dropout);
 * "ends": the output carries none (a recurrent layer returning its last state, which read the mask; a
 * merge with an unmasked input, as Keras' merge layers); or why the node cannot take it.
 */
export type MaskUse = "keeps" | "ends" | { readonly refused: string };

/** A mask passes an op that works within each position, whatever its arguments' ranks. */
export const keepsMask = (): MaskUse => "keeps";

/** A mask passes an op over the last axis only while that axis lies within a position (not one of the mask's axes). */
export function keepsMaskOverLastAxis<A>({ node }: OpNode<A>, masked: MaskedArgs, ctx: Pick<LoweringContext, "node">): MaskUse {
  const rank = ctx.node(node.inputs[masked.args[0]!]!).shape.length;
  return rank > masked.positions.length ? "keeps" : { refused: `its last axis is an axis of the mask, so it would mix padded and unpadded positions` };
}

/** Every computed op's rule; `Record` makes a missing rule a type error. */
export type OpRules = { readonly [K in ComputedOp]: OpRule<any> };

// --- reading attributes ------------------------------------------------------------------------

function attr(node: IRNode, name: string): IRValue | undefined {
  return node.attrs[name];
}

function bad(node: IRNode, name: string, expected: string): Error {
  return new Error(`IR: node "${node.id}" (${node.op}) needs attribute ${name} as ${expected}, got ${JSON.stringify(attr(node, name))}`);
}

export function numberAttr(node: IRNode, name: string, fallback?: number): number {
  const v = attr(node, name) ?? fallback;
  if (typeof v !== "number") throw bad(node, name, "a number");
  return v;
}

export function booleanAttr(node: IRNode, name: string, fallback?: boolean): boolean {
  const v = attr(node, name) ?? fallback;
  if (typeof v !== "boolean") throw bad(node, name, "true or false");
  return v;
}

export function stringAttr<T extends string>(node: IRNode, name: string, allowed: readonly T[], fallback?: T): T {
  const v = attr(node, name) ?? fallback;
  if (!allowed.includes(v as T)) throw bad(node, name, `one of ${allowed.join(", ")}`);
  return v as T;
}

/** An integer axis, or null for every axis. */
export function axisAttr(node: IRNode, name: string): number | null {
  const v = attr(node, name);
  if (v === null) return null;
  if (typeof v !== "number" || !Number.isInteger(v)) throw bad(node, name, "an integer or null");
  return v;
}

export const noAttrs = (): Record<string, never> => ({});

/** A step named after the node: "<id>_<suffix>". */
export function nodeStep(node: IRNode, suffix: string, comment: string, body: string[]): Step {
  return { name: `${node.id}_${suffix}`, comment: `${node.layer}: ${comment}`, body };
}
