// What simpleRNN, lstm and gru share in generated code. Every tape is step-major: step t's rows
// for the whole batch are one contiguous block at t·batch. Forward: the input is copied step-major
// (xT, in processing order, so goBackwards reads it first to last), every step's input projection
// x·K (+ b) is one product over batch·T rows into a step-major tape (the gates tape for lstm, h for
// simpleRNN, xk for gru), then per time step the recurrent product h_{t-1}·R is added onto the step's
// block and the cell applied in place. Backward through time: per step the cell's derivatives into
// dZ's block for the step and dh_{t-1} = dz_t·Rᵀ; then dR = Σ h_{t-1}ᵀ·dz_t, dK = xTᵀ·dZ and
// dX = dZ·Kᵀ as single products over all steps (gru, whose dR reads a per-step buffer, adds it at each
// step), db = Σ dZ by the runtime's column sums, dX copied back to the input's example-major rows.
//
// With a mask on the input (an embedding's with maskZero), as Keras' backend rnn: a padded step
// (mask 0 at the input step it reads) keeps the states of the step before and outputs them (zeros
// with zeroOutputForMask); backward, its dz is 0 and dh (and dc) pass to the step before unchanged,
// so it adds nothing to the weights' gradients or to dx.

import type { IRNode } from "../../../dsl/ir";
import { emitGemm } from "../../kernels/gemm";
import { runtimeColumnSums } from "../../kernels/runtime-rows";
import { RUNTIME_GEMM_MIN_WORK } from "../../kernels/runtime-gemm";
import type { BufferSpec } from "../../lowering/common";
import { ACTIVATIONS, DEFAULT_ALPHA, type ElementwiseActivation, type FunctionName } from "../activation-table";
import type { RecurrentAttrs } from "./cell.reference";
import { booleanAttr, numberAttr, stringAttr, type BackwardContext, type LoweringContext, type OpNode, type OpRule, type ReferenceRule, type RowGather } from "../rule";
import { rowCopy } from "../../lowering/literals";

const FUNCTIONS: readonly FunctionName[] = ["linear", "sigmoid", "tanh", "relu", "leakyRelu", "softmax", "step", "exp", "log"];

export function recurrentAttrs(node: IRNode): RecurrentAttrs {
  return {
    units: numberAttr(node, "units"),
    activation: stringAttr(node, "activation", FUNCTIONS, "tanh"),
    recurrentActivation: stringAttr(node, "recurrentActivation", FUNCTIONS, "sigmoid"),
    returnSequences: booleanAttr(node, "returnSequences", false),
    useBias: booleanAttr(node, "useBias", true),
    resetAfter: booleanAttr(node, "resetAfter", false),
    goBackwards: booleanAttr(node, "goBackwards", false),
    zeroOutputForMask: booleanAttr(node, "zeroOutputForMask", false),
  };
}

export type Op = OpNode<RecurrentAttrs>;

/** The shapes and buffers of one recurrent node; gates 1 (simpleRNN) or 4 (lstm: i, f, c, o). */
export function layout({ node, attrs }: Op, ctx: LoweringContext, gates: number) {
  const [steps, features] = ctx.node(node.inputs[0]!).shape as [number, number];
  const units = attrs.units;
  const local = (what: string) => ctx.local(node, what);
  const mask = ctx.mask(node.inputs[0]!);
  return {
    /** The input step processing step t reads, as code (goBackwards: last to first). */
    xStep: attrs.goBackwards ? `(${steps - 1} - t)` : "t",
    goBackwards: attrs.goBackwards,
    /** The input's padding mask ([batch, T], 1 a token, 0 padding), or null. */
    mask,
    /** Whether padded steps output zeros rather than the state carried over them. */
    zeroOutput: mask !== null && attrs.zeroOutputForMask,
    T: steps,
    F: features,
    U: units,
    /** Columns of the kernels: gates · units. */
    W: gates * units,
    x: node.inputs[0]!,
    kernel: node.inputs[1]!,
    recurrent: node.inputs[2]!,
    bias: attrs.useBias ? node.inputs[3]! : null,
    /** The input, step-major: processing step t's rows at t·batch (backward: dX in the same layout, dxt). */
    xt: local("xt"),
    dxt: local("dxt"),
    /** gru: x·K for every step, step-major like every tape. */
    xk: local("xk"),
    /** Step-major tapes: step t of example b at (t·batch + b)·width. */
    h: local("h"),
    c: local("c"),
    gates: local("gates"),
    actC: local("act_c"),
    /** Backward: the carried dh (and dc), [batch, U]; dZ, step-major, [T, batch, W]. */
    dh: local("dh"),
    dc: local("dc"),
    dz: local("dz"),
  };
}

export type Layout = ReturnType<typeof layout>;

/** The mask of example b at processing step t, as code (a layout with a mask). */
const maskAt = (l: Layout, step = l.xStep) => `${l.mask}[b * ${l.T} + ${step}]`;

/** In a loop over b inside the loop over t: `m`, the mask of the step (1 a token, 0 padding); nothing unmasked. */
export function stepMask(l: Layout): string[] {
  return l.mask ? [`const m = ${maskAt(l)};`] : [];
}

/** A state's store at s = (t·batch + b)·U + u: its new value, or on a padded step (m 0) the previous step's, carried over. */
export function carry(l: Layout, tape: string, value: string): string {
  return l.mask ? `m === 0 ? (t > 0 ? ${tape}[s - batch * ${l.U}] : 0) : ${value}` : value;
}

/** Backward, in the loop over b (after inputRow): a padded step's dz, in dz_t and dZ, (and the other rows listed) are 0 and the carried gradients pass on untouched. */
export function skipPadded(l: Layout, zeroRows: readonly string[] = []): string[] {
  if (!l.mask) return [];
  return [
    `if (${maskAt(l)} === 0) {`,
    `// a padded step: the carried gradients pass to the step before unchanged; nothing reaches the weights`,
    `for (let j = 0; j < ${l.W}; j++) ${l.dz}[xRow + j] = 0;`,
    ...zeroRows.map((buf) => `for (let j = 0; j < ${l.W}; j++) ${buf}[b * ${l.W} + j] = 0;`),
    `continue;`,
    `}`,
  ];
}

/** The element-wise entry of a function, or null where the kernels cannot use it in a cell (softmax; no derivative, or one needing its input). */
export function cellFunction(name: FunctionName): ElementwiseActivation | null {
  const entry = ACTIVATIONS[name];
  return entry.kind === "elementwise" && entry.derivative !== null && !entry.needsInput(DEFAULT_ALPHA) ? entry : null;
}

export function refuse(op: Op, what: string): string | null {
  const names = what === "lstm" ? [op.attrs.activation, op.attrs.recurrentActivation] : [op.attrs.activation];
  const bad = names.find((name) => cellFunction(name) === null);
  return bad ? `layer "${op.node.layer}" (${what}) uses ${bad} inside its cell, which code generation does not support; use tanh, sigmoid, relu or linear` : null;
}

/**
 * Whether the runtime runs the whole loop over time in one call (lstmSequenceForward and the like, its
 * tapes kept in WebAssembly memory for the loop): unmasked, 4 dividing the units (the SIMD cells), and
 * a per-step product large enough that it would go to gemm anyway. Backward, the output's gradient
 * must enter at the last step only (not returnSequences).
 */
export function wholeLoopInRuntime(op: Op, l: Layout, pass: "forward" | "backward"): boolean {
  if (pass === "backward" && op.attrs.returnSequences) return false;
  return l.mask === null && l.U % 4 === 0 && l.U * l.W * l.T >= RUNTIME_GEMM_MIN_WORK;
}

/** The input, for comments: its buffer, or the table rows it is gathered from. */
export function inputName(l: Layout, ctx: LoweringContext, mode: "train" | "infer"): string {
  return ctx.gathered(l.x, mode)?.name ?? ctx.value(l.x, mode);
}

/**
 * The input copied step-major into xT: processing step t's rows (input step xStep) at t·batch; from
 * the table itself where the input is an embedding every reader takes that way (LoweringContext.gathered).
 */
export function stepMajorInput(l: Layout, ctx: LoweringContext, mode: "train" | "infer"): string[] {
  const gather = ctx.gathered(l.x, mode);
  const position = `b * ${l.T} + ${l.xStep}`;
  if (gather) {
    return [
      `// ${l.xt}[t, b] = ${gather.describe(position)}: the input step-major, in the order the steps are processed (gathered by the runtime: in gemm's module, on its threads, where the arrays lie in its memory)`,
      `gatherStepMajor(${l.xt}, ${gather.table}, ${gather.width}, ${gather.ids}, ${l.T}, batch, ${l.goBackwards});`,
    ];
  }
  const [source, from, described] = [ctx.value(l.x, mode), `(${position}) * ${l.F}`, `${ctx.value(l.x, mode)}[b, ${l.xStep}]`];
  return [
    `// ${l.xt}[t, b] = ${described}: the input step-major, in the order the steps are processed (read in its own order)`,
    `for (let b = 0; b < batch; b++) {`,
    `for (let t = 0; t < ${l.T}; t++) {`,
    `const from = ${from}, to = (t * batch + b) * ${l.F};`,
    ...rowCopy(l.xt, "to", source, "from", l.F),
    `}`,
    `}`,
  ];
}

/**
 * x·K + b for every step at once, step-major, into `into` (a tape the recurrent product then adds
 * onto); with `biasInStep`, x·K alone, the cell adding b as it reads each step.
 */
export function inputProjection(l: Layout, ctx: LoweringContext, mode: "train" | "infer", into: string, biasInStep = false): string[] {
  const bias = l.bias ? ctx.value(l.bias, mode) : null;
  const added = bias && !biasInStep ? bias : null;
  return [
    ...stepMajorInput(l, ctx, mode),
    `// ${into} = ${l.xt} · ${ctx.value(l.kernel, mode)}${added ? ` + ${added}` : ""}: every step's input projection in one product${bias && biasInStep ? ` (${bias} is added at each step)` : ""}`,
    ...emitGemm({
      a: { buf: l.xt, rowStride: l.F, colStride: 1 },
      b: { buf: ctx.value(l.kernel, mode), rowStride: l.W, colStride: 1 },
      c: { buf: into, rowStride: l.W, colStride: 1 },
      m: `batch * ${l.T}`,
      n: l.W,
      k: l.F,
      init: added ? (col) => `${added}[${col}]` : undefined,
    }),
  ];
}

/** The whole-walk forward call's trailing arguments that make it compute every step's x·K itself (xT, K, F), and the comment saying so. */
export function projectionInTheWalk(l: Layout, ctx: LoweringContext, mode: "train" | "infer", into: string, withStepProduct = false): { args: string; comment: string } {
  const kernel = ctx.value(l.kernel, mode);
  const how = withStepProduct ? "in one product, or in each step's product with h_{t-1} where the walk runs in WebAssembly" : "in one product";
  return { args: `${l.xt}, ${kernel}, ${l.F}`, comment: `// first ${into} = ${l.xt} · ${kernel}: every step's input projection, made by the call (${how})` };
}

/** Step t's recurrent product h_{t-1}·R added onto `into`'s block [batch, W] at t·batch·W, which holds the step's x·K + b (none at the first step: h_{-1} is 0). */
export function stepRecurrentProduct(l: Layout, ctx: LoweringContext, mode: "train" | "infer", into: string): string[] {
  const recurrent = ctx.value(l.recurrent, mode);
  return [
    `// ${into}[t] += h_{t-1} · ${recurrent} (nothing to add at the first step)`,
    `if (t > 0) {`,
    ...emitGemm({
      a: { buf: l.h, rowStride: l.U, colStride: 1, offset: `(t - 1) * batch * ${l.U}` },
      b: { buf: recurrent, rowStride: l.W, colStride: 1 },
      c: { buf: into, rowStride: l.W, colStride: 1, offset: `t * batch * ${l.W}` },
      m: "batch",
      n: l.W,
      k: l.U,
      accumulate: true,
      prefix: "r",
      repeats: l.T,
    }),
    `}`,
  ];
}

/** In a loop over b inside the loop over t: `xRow`, where example b's row of step t starts in the step-major tapes of width W (xk, the gates, dZ). */
export const inputRow = (l: Layout): string => `const xRow = (t * batch + b) * ${l.W};`;

/** With zeroOutput, the mask factor that zeroes a padded step's output (and its gradient), as code; else "". */
const zeroedAt = (l: Layout, step: string) => (l.zeroOutput ? `${maskAt(l, step)} * ` : "");

/** The output: h at every step (returnSequences) or at the last (a padded step's zeroed with zeroOutput). */
export function emitOutput(op: Op, l: Layout, ctx: LoweringContext, mode: "train" | "infer"): string[] {
  const out = ctx.value(op.node.id, mode);
  const zeroed = l.zeroOutput ? [`// a padded step outputs 0 (zeroOutputForMask)`] : [];
  if (op.attrs.returnSequences)
    return [
      ...zeroed,
      `for (let t = 0; t < ${l.T}; t++) for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${out}[(b * ${l.T} + t) * ${l.U} + u] = ${zeroedAt(l, l.xStep)}${l.h}[(t * batch + b) * ${l.U} + u];`,
    ];
  const last = op.attrs.goBackwards ? "0" : String(l.T - 1);
  return [...zeroed, `for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${out}[b * ${l.U} + u] = ${zeroedAt(l, last)}${l.h}[(${l.T - 1} * batch + b) * ${l.U} + u];`];
}

/** The carried dh starts as the output's gradient at the last step (or 0), and takes each step's when every step is an output. */
export function outputGradient(op: Op, l: Layout, ctx: BackwardContext): { init: string[]; perStep: string[] } {
  const dy = ctx.grad(op.node.id);
  if (op.attrs.returnSequences)
    return {
      init: [`for (let i = 0; i < batch * ${l.U}; i++) ${l.dh}[i] = 0;`],
      perStep: [`for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${l.dh}[b * ${l.U} + u] += ${zeroedAt(l, l.xStep)}${dy}[(b * ${l.T} + t) * ${l.U} + u];`],
    };
  const last = op.attrs.goBackwards ? "0" : String(l.T - 1);
  const init = l.zeroOutput
    ? `for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${l.dh}[b * ${l.U} + u] = ${zeroedAt(l, last)}${dy}[b * ${l.U} + u];`
    : `for (let i = 0; i < batch * ${l.U}; i++) ${l.dh}[i] = ${dy}[i];`;
  return { init: [init], perStep: [] };
}

/** dz_t[b, column] = value, in dZ's block for step t (inside a loop with inputRow). */
export function storeStepGradient(l: Layout, column: string, value: string): string {
  const j = column === "0" ? "" : ` + ${column}`;
  return `${l.dz}[xRow${j}] = ${value};`;
}

/** Step t's block of dZ, [batch, W], as a view for the step's products. */
export const stepGradientView = (l: Layout, column = 0) => ({ buf: l.dz, rowStride: l.W, colStride: 1, offset: column ? `t * batch * ${l.W} + ${column}` : `t * batch * ${l.W}` });

/** dh = dz_t·Rᵀ for t > 0, inside the loop over t (dR is one product after the loop: recurrentKernelGradient). */
export function stepCarriedGradient(l: Layout, ctx: BackwardContext): string[] {
  const recurrent = ctx.value(l.recurrent, "train");
  return [
    `if (t > 0) {`,
    l.mask
      ? `// ${l.dh} += dz_t · ${recurrent}ᵀ: the gradient carried to step t - 1 (0 before it on a token's step, kept on a padded one, whose dz_t is 0)`
      : `// ${l.dh} = dz_t · ${recurrent}ᵀ: the gradient carried to step t - 1`,
    ...emitGemm({ a: stepGradientView(l), b: { buf: recurrent, rowStride: 1, colStride: l.W }, c: { buf: l.dh, rowStride: l.U, colStride: 1 }, m: "batch", n: l.U, k: l.W, accumulate: l.mask !== null, prefix: "x", repeats: l.T }),
    `}`,
  ];
}

/**
 * After the loop: dR = Σ over t ≥ 1 of h_{t-1}ᵀ·dz_t as one product, the tapes being step-major: h's
 * steps 0 … T-2 against dZ's steps 1 … T-1, a reduction over (T - 1)·batch rows (a padded step's dz is 0).
 */
export function recurrentKernelGradient(l: Layout, ctx: BackwardContext): string[] {
  if (!ctx.isTrainableParam(l.recurrent)) return [];
  const dr = ctx.grad(l.recurrent);
  const accumulate = ctx.assign(dr) === "+=";
  if (l.T === 1) return accumulate ? [] : [`// ${dr} = 0: one step has no h_{t-1}`, `for (let i = 0; i < ${l.U * l.W}; i++) ${dr}[i] = 0;`];
  return [
    `// ${dr} ${accumulate ? "+=" : "="} Σ over steps t ≥ 1 of h_{t-1}ᵀ · dz_t: ${l.h}'s steps 0 to ${l.T - 2} against ${l.dz}'s steps 1 to ${l.T - 1}, one product`,
    ...emitGemm({
      a: { buf: l.h, rowStride: 1, colStride: l.U },
      b: { buf: l.dz, rowStride: l.W, colStride: 1, offset: `batch * ${l.W}` },
      c: { buf: dr, rowStride: l.W, colStride: 1 },
      m: l.U,
      n: l.W,
      k: `batch * ${l.T - 1}`,
      accumulate,
      prefix: "w",
    }),
  ];
}

/** After the loop: dK = xTᵀ·dZ, db = Σ dZ, dX = dZ·Kᵀ (step-major, then copied to the input's rows) over all steps at once; `biasAdded` when the bias's first W take Σ dZ with "+=" (gru, whose recurrent bias was summed in the loop). */
export function inputGradients(l: Layout, ctx: BackwardContext, biasAdded = false): string[] {
  const rows = `batch * ${l.T}`;
  const lines: string[] = [];
  if (ctx.isTrainableParam(l.kernel)) {
    const dk = ctx.grad(l.kernel);
    const accumulate = ctx.assign(dk) === "+=";
    lines.push(
      `// ${dk} ${accumulate ? "+=" : "="} ${l.xt}ᵀ · ${l.dz}`,
      ...emitGemm({
        a: { buf: l.xt, rowStride: 1, colStride: l.F },
        b: { buf: l.dz, rowStride: l.W, colStride: 1 },
        c: { buf: dk, rowStride: l.W, colStride: 1 },
        m: l.F,
        n: l.W,
        k: rows,
        accumulate,
        prefix: "w",
      }),
    );
  }
  if (l.bias && ctx.isTrainableParam(l.bias)) {
    const db = ctx.grad(l.bias);
    const op = biasAdded ? "+=" : ctx.assign(db);
    lines.push(...runtimeColumnSums(db, op, l.dz, rows, l.W));
  }
  const target = inputGradientTarget(l, ctx);
  if (target) lines.push(...inputGradientProduct(l, ctx), ...copyBack(l, ctx, target));
  return lines;
}

/** Where dX goes: the input's gradient, or, where the input was gathered from an embedding's table, the table's (readied by `prepare`); null where neither takes one. */
function inputGradientTarget(l: Layout, ctx: BackwardContext): { gradient: { buffer: string; prepare: string[] }; gather: RowGather | null } | null {
  if (!ctx.needsGrad(l.x)) return null;
  const gather = ctx.gathered(l.x, "train");
  const gradient = gather ? gather.tableGradient(ctx) : { buffer: ctx.grad(l.x), prepare: [] };
  return gradient && { gradient, gather };
}

/** dX = dZ·Kᵀ over all steps, step-major, into dxt. */
function inputGradientProduct(l: Layout, ctx: BackwardContext): string[] {
  return [
    `// ${l.dxt} = ${l.dz} · ${ctx.value(l.kernel, "train")}ᵀ, step-major`,
    ...emitGemm({
      a: { buf: l.dz, rowStride: l.W, colStride: 1 },
      b: { buf: ctx.value(l.kernel, "train"), rowStride: 1, colStride: l.W },
      c: { buf: l.dxt, rowStride: l.F, colStride: 1 },
      m: `batch * ${l.T}`,
      n: l.F,
      k: l.W,
      prefix: "x",
    }),
  ];
}

/** dxt back to the input's example-major rows, or scatter-added into the table's gradient where the input was gathered from it. */
function copyBack(l: Layout, ctx: BackwardContext, { gradient, gather }: NonNullable<ReturnType<typeof inputGradientTarget>>): string[] {
  const position = `b * ${l.T} + ${l.xStep}`;
  if (gather) {
    return [
      ...gradient.prepare,
      `// ${gather.describe(position).replace(gather.table, gradient.buffer)} += ${l.dxt}[t, b] for each b, then t: scatter-added straight into the table's gradient (by the runtime: in gemm's module, on its threads, where the arrays lie in its memory)`,
      `scatterAddStepMajor(${gradient.buffer}, ${gather.width}, ${gather.ids}, ${l.T}, batch, ${l.goBackwards}, ${l.dxt});`,
    ];
  }
  const op = ctx.assign(gradient.buffer);
  return [
    ...gradient.prepare,
    `// ${gradient.buffer}[b, ${l.xStep}] ${op} ${l.dxt}[t, b]: back to the input's example-major rows (written in their order)`,
    `for (let b = 0; b < batch; b++) {`,
    `for (let t = 0; t < ${l.T}; t++) {`,
    `const from = (t * batch + b) * ${l.F}, to = (${position}) * ${l.F};`,
    ...rowCopy(gradient.buffer, "to", l.dxt, "from", l.F, op),
    `}`,
    `}`,
  ];
}

const trainableWeights = (l: Layout, ctx: LoweringContext): string[] => [l.kernel, l.recurrent, l.bias].filter((id): id is string => id !== null && ctx.isTrainableParam(id));

/** Whether each of the layer's trainable weights has its one gradient writer in the layer (not shared, no penalty): then the whole-walk backward call may compute them, and dZ is the call's alone (no dz buffer). */
export function weightsHaveOneWriter(l: Layout, ctx: LoweringContext): boolean {
  return trainableWeights(l, ctx).every((id) => ctx.gradientHasOneWriter(id));
}

/** What the whole-walk backward call computes after the walk (its trailing arguments), and the lines after it. */
export interface GradientsInTheWalk {
  /** xT, K, F, then dK, dR, db and dxt (or null); an lstm's call takes its h tape before them, and the call takes null for dz (the layer has no dz buffer then). */
  readonly args: string;
  readonly comment: string;
  /** dX back to the input's rows, or scatter-added into an embedding's table. */
  readonly after: string[];
}

/**
 * dR, dK, db and dX computed by the whole-walk backward call, while dZ is still in WebAssembly memory,
 * where each of the layer's trainable weights has its one gradient writer here (not shared, no
 * penalty): the call sets them. Else null, and recurrentKernelGradient and inputGradients follow the call.
 */
export function gradientsInTheWalk(l: Layout, ctx: BackwardContext): GradientsInTheWalk | null {
  if (!weightsHaveOneWriter(l, ctx)) return null;
  const weights = trainableWeights(l, ctx);
  for (const id of weights) {
    if (ctx.assign(ctx.grad(id)) !== "=") throw new Error(`codegen: ${ctx.grad(id)} has one writer, yet was written before ${l.h}'s backward`);
  }
  const grad = (id: string | null) => (id && ctx.isTrainableParam(id) ? ctx.grad(id) : "null");
  const target = inputGradientTarget(l, ctx);
  const kernel = ctx.value(l.kernel, "train");
  const computed = [
    ...(weights.includes(l.recurrent) ? [`${grad(l.recurrent)} = Σ over t ≥ 1 of h_{t-1}ᵀ · dz_t`] : []),
    ...(weights.includes(l.kernel) ? [`${grad(l.kernel)} = ${l.xt}ᵀ · dZ`] : []),
    ...(l.bias && weights.includes(l.bias) ? [`${grad(l.bias)} = Σ over rows of dZ`] : []),
    ...(target ? [`${l.dxt} = dZ · ${kernel}ᵀ (step-major)`] : []),
  ];
  return {
    args: `${l.xt}, ${kernel}, ${l.F}, ${grad(l.kernel)}, ${grad(l.recurrent)}, ${grad(l.bias)}, ${target ? l.dxt : "null"}`,
    comment: `// then, from dZ while the call holds it (no one else reads it): ${computed.join(", ")}`,
    after: target ? copyBack(l, ctx, target) : [],
  };
}

/** gru's dR is summed over the steps: zeroed first (or added to, when another call wrote it). */
export function zeroRecurrentGradient(l: Layout, ctx: BackwardContext): string[] {
  if (!ctx.isTrainableParam(l.recurrent)) return [];
  const dr = ctx.grad(l.recurrent);
  return ctx.assign(dr) === "=" ? [`for (let i = 0; i < ${l.U * l.W}; i++) ${dr}[i] = 0;`] : [];
}

export const perExample = (name: string, size: number): BufferSpec => ({ name, role: "tape", perExample: size, fixed: null, dtype: "float32" });

/** A recurrent op's rule: its attributes, reference and lowering; a step function in the cell (or, gated, in its gates) blocks gradients. */
export function recurrentRule(
  reference: ReferenceRule<RecurrentAttrs>,
  lowering: Pick<OpRule<RecurrentAttrs>, "refuse" | "buffers" | "forward" | "backward">,
  gated: boolean,
): OpRule<RecurrentAttrs> {
  return {
    attrs: recurrentAttrs,
    reference,
    blocksGradient: ({ attrs }) => (attrs.activation === "step" || (gated && attrs.recurrentActivation === "step") ? "a step activation" : null),
    // Keras' RNN.compute_mask: the mask goes on with every step's output, and ends with the last state.
    masking: ({ attrs }) => (attrs.returnSequences ? "keeps" : "ends"),
    // the input is copied step-major row by row anyway: from an embedding's table as well as from its value
    readsGathered: (_op, index) => index === 0,
    ...lowering,
  };
}
