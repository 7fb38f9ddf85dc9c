// simpleRNN, lstm and gru, generated. Forward: every step's input projection x·K + b as one product over
// batch·T rows, then per time step the recurrent product h_{t-1}·R added in, and the cell (simpleRNN:
// h = act(z); lstm, gates i f c o: c = f·c_{t-1} + i·g, h = o·act(c)), its states kept on tapes.
// Backward through time: per step the cell's derivatives into dZ, dR += h_{t-1}ᵀ·dz_t and
// dh_{t-1} = dz_t·Rᵀ; then dK = Xᵀ·dZ, db = Σ dZ and dX = dZ·Kᵀ as single products over all steps.

import type { IRNode } from "../../dsl/ir";
import { emitGemm } from "../kernels/gemm";
import type { BufferSpec } from "../lowering/common";
import { ACTIVATIONS, DEFAULT_ALPHA, type ElementwiseActivation, type FunctionName } from "./activation-table";
import { gruReference, lstmReference, simpleRnnReference, type RecurrentAttrs } from "./recurrent.reference";
import { booleanAttr, nodeStep, numberAttr, stringAttr, type BackwardContext, type LoweringContext, type OpNode, type OpRule } from "./rule";

const FUNCTIONS: readonly FunctionName[] = ["linear", "sigmoid", "tanh", "relu", "leakyRelu", "softmax", "step", "exp", "log"];

function recurrentAttrs(node: IRNode): RecurrentAttrs {
  return {
    units: numberAttr(node, "units"),
    activation: stringAttr(node, "activation", FUNCTIONS, "tanh"),
    recurrentActivation: stringAttr(node, "recurrentActivation", FUNCTIONS, "sigmoid"),
    returnSequences: booleanAttr(node, "returnSequences", false),
    useBias: booleanAttr(node, "useBias", true),
    resetAfter: booleanAttr(node, "resetAfter", false),
    goBackwards: booleanAttr(node, "goBackwards", false),
  };
}

type Op = OpNode<RecurrentAttrs>;

/** The shapes and buffers of one recurrent node; gates 1 (simpleRNN) or 4 (lstm: i, f, c, o). */
function layout({ node, attrs }: Op, ctx: LoweringContext, gates: number) {
  const [steps, features] = ctx.node(node.inputs[0]!).shape as [number, number];
  const units = attrs.units;
  const local = (what: string) => ctx.local(node, what);
  return {
    /** The input step processing step t reads, as code (goBackwards: last to first). */
    xStep: attrs.goBackwards ? `(${steps - 1} - t)` : "t",
    T: steps,
    F: features,
    U: units,
    /** Columns of the kernels: gates · units. */
    W: gates * units,
    x: node.inputs[0]!,
    kernel: node.inputs[1]!,
    recurrent: node.inputs[2]!,
    bias: attrs.useBias ? node.inputs[3]! : null,
    /** x·K + b for every step, example-major rows b·T + t. */
    xk: local("xk"),
    /** One step's pre-activations, [batch, W]. */
    z: local("step_z"),
    /** Time-major tapes: step t of example b at (t·batch + b)·width. */
    h: local("h"),
    c: local("c"),
    gates: local("gates"),
    actC: local("act_c"),
    /** Backward: the carried dh (and dc), [batch, U]; dZ example-major like xk. */
    dh: local("dh"),
    dc: local("dc"),
    dz: local("dz"),
  };
}

type Layout = ReturnType<typeof layout>;

/** The element-wise entry of a function, or null where the kernels cannot use it in a cell (softmax; no derivative, or one needing its input). */
function cellFunction(name: FunctionName): ElementwiseActivation | null {
  const entry = ACTIVATIONS[name];
  return entry.kind === "elementwise" && entry.derivative !== null && !entry.needsInput(DEFAULT_ALPHA) ? entry : null;
}

function refuse(op: Op, what: string): string | null {
  const names = what === "lstm" ? [op.attrs.activation, op.attrs.recurrentActivation] : [op.attrs.activation];
  const bad = names.find((name) => cellFunction(name) === null);
  return bad ? `layer "${op.node.layer}" (${what}) uses ${bad} inside its cell, which code generation does not support; use tanh, sigmoid, relu or linear` : null;
}

/** x·K + b for every step at once. */
function inputProjection(l: Layout, ctx: LoweringContext, mode: "train" | "infer"): string[] {
  const bias = l.bias ? ctx.value(l.bias, mode) : null;
  return [
    `// ${l.xk} = ${ctx.value(l.x, mode)} · ${ctx.value(l.kernel, mode)}${bias ? ` + ${bias}` : ""}: every step's input projection in one product`,
    ...emitGemm({
      a: { buf: ctx.value(l.x, mode), rowStride: l.F, colStride: 1 },
      b: { buf: ctx.value(l.kernel, mode), rowStride: l.W, colStride: 1 },
      c: { buf: l.xk, rowStride: l.W, colStride: 1 },
      m: `batch * ${l.T}`,
      n: l.W,
      k: l.F,
      init: bias ? (col) => `${bias}[${col}]` : undefined,
    }),
  ];
}

/** z = xk_t + h_{t-1}·R, inside the loop over t. */
function stepPreActivation(l: Layout, ctx: LoweringContext, mode: "train" | "infer"): string[] {
  const recurrent = ctx.value(l.recurrent, mode);
  return [
    `// ${l.z} = ${l.xk}[${l.xStep}] + h_{t-1} · ${recurrent}`,
    `for (let b = 0; b < batch; b++) for (let j = 0; j < ${l.W}; j++) ${l.z}[b * ${l.W} + j] = ${l.xk}[(b * ${l.T} + ${l.xStep}) * ${l.W} + j];`,
    `if (t > 0) {`,
    ...emitGemm({
      a: { buf: l.h, rowStride: l.U, colStride: 1, offset: `(t - 1) * batch * ${l.U}` },
      b: { buf: recurrent, rowStride: l.W, colStride: 1 },
      c: { buf: l.z, rowStride: l.W, colStride: 1 },
      m: "batch",
      n: l.W,
      k: l.U,
      accumulate: true,
      prefix: "r",
    }),
    `}`,
  ];
}

/** The output: h at every step (returnSequences) or at the last. */
function emitOutput(op: Op, l: Layout, ctx: LoweringContext, mode: "train" | "infer"): string[] {
  const out = ctx.value(op.node.id, mode);
  if (op.attrs.returnSequences)
    return [`for (let t = 0; t < ${l.T}; t++) for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${out}[(b * ${l.T} + t) * ${l.U} + u] = ${l.h}[(t * batch + b) * ${l.U} + u];`];
  return [`for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${out}[b * ${l.U} + u] = ${l.h}[(${l.T - 1} * batch + b) * ${l.U} + u];`];
}

/** The carried dh starts as the output's gradient at the last step (or 0), and takes each step's when every step is an output. */
function outputGradient(op: Op, l: Layout, ctx: BackwardContext): { init: string[]; perStep: string[] } {
  const dy = ctx.grad(op.node.id);
  if (op.attrs.returnSequences)
    return {
      init: [`for (let i = 0; i < batch * ${l.U}; i++) ${l.dh}[i] = 0;`],
      perStep: [`for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${l.dh}[b * ${l.U} + u] += ${dy}[(b * ${l.T} + t) * ${l.U} + u];`],
    };
  return { init: [`for (let i = 0; i < batch * ${l.U}; i++) ${l.dh}[i] = ${dy}[i];`], perStep: [] };
}

/** dR += h_{t-1}ᵀ·dz_t and dh = dz_t·Rᵀ, for t > 0, inside the loop over t. */
function stepRecurrentGradients(l: Layout, ctx: BackwardContext): string[] {
  const recurrent = ctx.value(l.recurrent, "train");
  const dzStep = { buf: l.dz, rowStride: l.T * l.W, colStride: 1, offset: `${l.xStep} * ${l.W}` };
  const lines = [`if (t > 0) {`];
  if (ctx.isTrainableParam(l.recurrent)) {
    lines.push(
      `// ${ctx.grad(l.recurrent)} += h_{t-1}ᵀ · dz_t`,
      ...emitGemm({
        a: { buf: l.h, rowStride: 1, colStride: l.U, offset: `(t - 1) * batch * ${l.U}` },
        b: dzStep,
        c: { buf: ctx.grad(l.recurrent), rowStride: l.W, colStride: 1 },
        m: l.U,
        n: l.W,
        k: "batch",
        accumulate: true,
        prefix: "w",
      }),
    );
  }
  lines.push(
    `// ${l.dh} = dz_t · ${recurrent}ᵀ: the gradient carried to step t - 1`,
    ...emitGemm({ a: dzStep, b: { buf: recurrent, rowStride: 1, colStride: l.W }, c: { buf: l.dh, rowStride: l.U, colStride: 1 }, m: "batch", n: l.U, k: l.W, prefix: "x" }),
    `}`,
  );
  return lines;
}

/** After the loop: dK = Xᵀ·dZ, db = Σ dZ, dX = dZ·Kᵀ over all steps at once; `biasAdded` when the bias's first W take Σ dZ with "+=" (gru, whose recurrent bias was summed in the loop). */
function inputGradients(l: Layout, ctx: BackwardContext, biasAdded = false): string[] {
  const rows = `batch * ${l.T}`;
  const lines: string[] = [];
  if (ctx.isTrainableParam(l.kernel)) {
    const dk = ctx.grad(l.kernel);
    const accumulate = ctx.assign(dk) === "+=";
    lines.push(
      `// ${dk} ${accumulate ? "+=" : "="} ${ctx.value(l.x, "train")}ᵀ · ${l.dz}`,
      ...emitGemm({
        a: { buf: ctx.value(l.x, "train"), rowStride: 1, colStride: l.F },
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
    lines.push(
      `// ${db} ${op} Σ over steps and examples of ${l.dz}`,
      `for (let j = 0; j < ${l.W}; j++) {`,
      `let total = 0;`,
      `for (let r = 0; r < ${rows}; r++) total += ${l.dz}[r * ${l.W} + j];`,
      `${db}[j] ${op} total;`,
      `}`,
    );
  }
  if (ctx.needsGrad(l.x)) {
    const dx = ctx.grad(l.x);
    const accumulate = ctx.assign(dx) === "+=";
    lines.push(
      `// ${dx} ${accumulate ? "+=" : "="} ${l.dz} · ${ctx.value(l.kernel, "train")}ᵀ`,
      ...emitGemm({
        a: { buf: l.dz, rowStride: l.W, colStride: 1 },
        b: { buf: ctx.value(l.kernel, "train"), rowStride: 1, colStride: l.W },
        c: { buf: dx, rowStride: l.F, colStride: 1 },
        m: rows,
        n: l.F,
        k: l.W,
        accumulate,
        prefix: "x",
      }),
    );
  }
  return lines;
}

/** dR is summed over the steps: zeroed first (or added to, when another call wrote it). */
function zeroRecurrentGradient(l: Layout, ctx: BackwardContext): string[] {
  if (!ctx.isTrainableParam(l.recurrent)) return [];
  const dr = ctx.grad(l.recurrent);
  return ctx.assign(dr) === "=" ? [`for (let i = 0; i < ${l.U * l.W}; i++) ${dr}[i] = 0;`] : [];
}

const perExample = (name: string, size: number): BufferSpec => ({ name, role: "tape", perExample: size, fixed: null, dtype: "float32" });

// --- simpleRNN -----------------------------------------------------------------------------------

const simpleRnnLowering: Pick<OpRule<RecurrentAttrs>, "refuse" | "buffers" | "forward" | "backward"> = {
  refuse: (op) => refuse(op, "simpleRNN"),
  buffers(op, ctx) {
    const l = layout(op, ctx, 1);
    return [perExample(l.xk, l.T * l.W), perExample(l.z, l.W), perExample(l.h, l.T * l.U), perExample(l.dh, l.U), perExample(l.dz, l.T * l.W)];
  },
  forward(op, ctx, mode) {
    const l = layout(op, ctx, 1);
    const act = cellFunction(op.attrs.activation)!;
    const body = [
      ...inputProjection(l, ctx, mode),
      `for (let t = 0; t < ${l.T}; t++) {`,
      ...stepPreActivation(l, ctx, mode),
      `// h_t = ${act.name}(z)`,
      `for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) { const z = ${l.z}[b * ${l.U} + u]; ${l.h}[(t * batch + b) * ${l.U} + u] = ${act.expression("z", DEFAULT_ALPHA)}; }`,
      `}`,
      ...emitOutput(op, l, ctx, mode),
    ];
    return nodeStep(op.node, "forward", `${ctx.value(op.node.id, mode)} = simpleRNN(${ctx.value(l.x, mode)}): h_t = ${act.name}(x_t · K + h_{t-1} · R${l.bias ? " + b" : ""}) over ${l.T} steps`, body);
  },
  backward(op, ctx) {
    const l = layout(op, ctx, 1);
    const act = cellFunction(op.attrs.activation)!;
    const out = outputGradient(op, l, ctx);
    const h = `${l.h}[(t * batch + b) * ${l.U} + u]`;
    const body = [
      ...zeroRecurrentGradient(l, ctx),
      ...out.init,
      `for (let t = ${l.T - 1}; t >= 0; t--) {`,
      ...out.perStep,
      `// dz_t = dh · ${act.name}'(z), ${act.derivativeText}`,
      `for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${l.dz}[(b * ${l.T} + ${l.xStep}) * ${l.W} + u] = ${l.dh}[b * ${l.U} + u] * ${act.derivative!(h, "", DEFAULT_ALPHA)};`,
      ...stepRecurrentGradients(l, ctx),
      `}`,
      ...inputGradients(l, ctx),
    ];
    return nodeStep(op.node, "backward", `backpropagation through ${l.T} steps, from ${ctx.grad(op.node.id)}`, body);
  },
};

// --- lstm ----------------------------------------------------------------------------------------

const lstmLowering: Pick<OpRule<RecurrentAttrs>, "refuse" | "buffers" | "forward" | "backward"> = {
  refuse: (op) => refuse(op, "lstm"),
  buffers(op, ctx) {
    const l = layout(op, ctx, 4);
    return [
      perExample(l.xk, l.T * l.W),
      perExample(l.z, l.W),
      perExample(l.h, l.T * l.U),
      perExample(l.c, l.T * l.U),
      perExample(l.gates, l.T * l.W),
      perExample(l.actC, l.T * l.U),
      perExample(l.dh, l.U),
      perExample(l.dc, l.U),
      perExample(l.dz, l.T * l.W),
    ];
  },
  forward(op, ctx, mode) {
    const l = layout(op, ctx, 4);
    const act = cellFunction(op.attrs.activation)!;
    const rec = cellFunction(op.attrs.recurrentActivation)!;
    const { U, W } = l;
    const body = [
      ...inputProjection(l, ctx, mode),
      `for (let t = 0; t < ${l.T}; t++) {`,
      ...stepPreActivation(l, ctx, mode),
      `// i, f, o = ${rec.name}(z_i, z_f, z_o); g = ${act.name}(z_c); c_t = f · c_{t-1} + i · g; h_t = o · ${act.name}(c_t)`,
      `for (let b = 0; b < batch; b++) {`,
      `const zRow = b * ${W};`,
      `const gRow = (t * batch + b) * ${W};`,
      `for (let u = 0; u < ${U}; u++) {`,
      `const zi = ${l.z}[zRow + u], zf = ${l.z}[zRow + ${U} + u], zc = ${l.z}[zRow + ${2 * U} + u], zo = ${l.z}[zRow + ${3 * U} + u];`,
      `const i = ${rec.expression("zi", DEFAULT_ALPHA)};`,
      `const f = ${rec.expression("zf", DEFAULT_ALPHA)};`,
      `const g = ${act.expression("zc", DEFAULT_ALPHA)};`,
      `const o = ${rec.expression("zo", DEFAULT_ALPHA)};`,
      `const s = (t * batch + b) * ${U} + u;`,
      `const c = f * (t > 0 ? ${l.c}[s - batch * ${U}] : 0) + i * g;`,
      `const a = ${act.expression("c", DEFAULT_ALPHA)};`,
      `${l.gates}[gRow + u] = i;`,
      `${l.gates}[gRow + ${U} + u] = f;`,
      `${l.gates}[gRow + ${2 * U} + u] = g;`,
      `${l.gates}[gRow + ${3 * U} + u] = o;`,
      `${l.c}[s] = c;`,
      `${l.actC}[s] = a;`,
      `${l.h}[s] = o * a;`,
      `}`,
      `}`,
      `}`,
      ...emitOutput(op, l, ctx, mode),
    ];
    return nodeStep(op.node, "forward", `${ctx.value(op.node.id, mode)} = lstm(${ctx.value(l.x, mode)}) over ${l.T} steps, gates i, f, c, o`, body);
  },
  backward(op, ctx) {
    const l = layout(op, ctx, 4);
    const act = cellFunction(op.attrs.activation)!;
    const rec = cellFunction(op.attrs.recurrentActivation)!;
    const { U, W } = l;
    const out = outputGradient(op, l, ctx);
    const body = [
      ...zeroRecurrentGradient(l, ctx),
      ...out.init,
      `for (let i = 0; i < batch * ${U}; i++) ${l.dc}[i] = 0;`,
      `for (let t = ${l.T - 1}; t >= 0; t--) {`,
      ...out.perStep,
      `// h = o · a, a = ${act.name}(c): do = dh · a, dc += dh · o · ${act.name}'(c)`,
      `// c = f · c_{t-1} + i · g: di = dc · g, df = dc · c_{t-1}, dg = dc · i, dc_{t-1} = dc · f`,
      `// dz of each gate: its gradient times its function's derivative (${rec.derivativeText} for i, f, o)`,
      `for (let b = 0; b < batch; b++) {`,
      `const gRow = (t * batch + b) * ${W};`,
      `const dzRow = (b * ${l.T} + ${l.xStep}) * ${W};`,
      `for (let u = 0; u < ${U}; u++) {`,
      `const s = (t * batch + b) * ${U} + u;`,
      `const i = ${l.gates}[gRow + u], f = ${l.gates}[gRow + ${U} + u], g = ${l.gates}[gRow + ${2 * U} + u], o = ${l.gates}[gRow + ${3 * U} + u];`,
      `const a = ${l.actC}[s];`,
      `const cPrev = t > 0 ? ${l.c}[s - batch * ${U}] : 0;`,
      `const dh = ${l.dh}[b * ${U} + u];`,
      `const dc = ${l.dc}[b * ${U} + u] + dh * o * ${act.derivative!("a", "", DEFAULT_ALPHA)};`,
      `${l.dz}[dzRow + u] = dc * g * ${rec.derivative!("i", "", DEFAULT_ALPHA)};`,
      `${l.dz}[dzRow + ${U} + u] = dc * cPrev * ${rec.derivative!("f", "", DEFAULT_ALPHA)};`,
      `${l.dz}[dzRow + ${2 * U} + u] = dc * i * ${act.derivative!("g", "", DEFAULT_ALPHA)};`,
      `${l.dz}[dzRow + ${3 * U} + u] = dh * a * ${rec.derivative!("o", "", DEFAULT_ALPHA)};`,
      `${l.dc}[b * ${U} + u] = dc * f;`,
      `}`,
      `}`,
      ...stepRecurrentGradients(l, ctx),
      `}`,
      ...inputGradients(l, ctx),
    ];
    return nodeStep(op.node, "backward", `backpropagation through ${l.T} steps, from ${ctx.grad(op.node.id)}`, body);
  },
};

export const simpleRNN: OpRule<RecurrentAttrs> = {
  attrs: recurrentAttrs,
  reference: simpleRnnReference,
  blocksGradient: ({ attrs }) => (attrs.activation === "step" ? "a step activation" : null),
  ...simpleRnnLowering,
};

export const lstm: OpRule<RecurrentAttrs> = {
  attrs: recurrentAttrs,
  reference: lstmReference,
  blocksGradient: ({ attrs }) => (attrs.activation === "step" || attrs.recurrentActivation === "step" ? "a step activation" : null),
  ...lstmLowering,
};

// --- gru -----------------------------------------------------------------------------------------
//
// Gates z, r, h in the 3U columns. resetAfter: hr = h_{t-1}·R + b_rec (every column), z = rec(xk_z + hr_z),
// r = rec(xk_r + hr_r), h~ = act(xk_h + r·hr_h). Otherwise hr = h_{t-1}·R_zr for z and r, and
// h~ = act(xk_h + (r·h_{t-1})·R_h). Both: h_t = z·h_{t-1} + (1 − z)·h~. The "inner" tape keeps hr_h
// (resetAfter) or r·h_{t-1}, which backward needs for dr and dR_h.

function gruLayout(op: Op, ctx: LoweringContext) {
  const l = layout(op, ctx, 3);
  return { ...l, hr: ctx.local(op.node, "hr"), inner: ctx.local(op.node, "inner"), dhr: ctx.local(op.node, "dhr"), dInner: ctx.local(op.node, "d_inner") };
}

type GruLayout = ReturnType<typeof gruLayout>;

function gruForwardStep(op: Op, l: GruLayout, ctx: LoweringContext, mode: "train" | "infer"): string[] {
  const act = cellFunction(op.attrs.activation)!;
  const rec = cellFunction(op.attrs.recurrentActivation)!;
  const { U, W, T } = l;
  const recurrent = ctx.value(l.recurrent, mode);
  const bias = l.bias ? ctx.value(l.bias, mode) : null;
  const resetAfter = op.attrs.resetAfter;
  const hPrev = { buf: l.h, rowStride: U, colStride: 1, offset: `(t - 1) * batch * ${U}` };
  const hrColumns = resetAfter ? W : 2 * U;
  const lines = [
    resetAfter ? `// ${l.hr} = h_{t-1} · ${recurrent}${bias ? ` + ${bias}[1]` : ""}: the recurrent product of every gate` : `// ${l.hr} = h_{t-1} · ${recurrent}[:, z r]`,
    `for (let b = 0; b < batch; b++) for (let j = 0; j < ${hrColumns}; j++) ${l.hr}[b * ${W} + j] = ${resetAfter && bias ? `${bias}[${W} + j]` : "0"};`,
    `if (t > 0) {`,
    ...emitGemm({ a: hPrev, b: { buf: recurrent, rowStride: W, colStride: 1 }, c: { buf: l.hr, rowStride: W, colStride: 1 }, m: "batch", n: hrColumns, k: U, accumulate: true, prefix: "r" }),
    `}`,
    `// z = ${rec.name}(xk_z + hr_z), r = ${rec.name}(xk_r + hr_r)`,
    `for (let b = 0; b < batch; b++) {`,
    `const xRow = (b * ${T} + ${l.xStep}) * ${W};`,
    `const gRow = (t * batch + b) * ${W};`,
    `for (let u = 0; u < ${U}; u++) {`,
    `const s = (t * batch + b) * ${U} + u;`,
    `const hp = t > 0 ? ${l.h}[s - batch * ${U}] : 0;`,
    `const zp = ${l.xk}[xRow + u] + ${l.hr}[b * ${W} + u];`,
    `const rp = ${l.xk}[xRow + ${U} + u] + ${l.hr}[b * ${W} + ${U} + u];`,
    `const z = ${rec.expression("zp", DEFAULT_ALPHA)};`,
    `const r = ${rec.expression("rp", DEFAULT_ALPHA)};`,
    `${l.gates}[gRow + u] = z;`,
    `${l.gates}[gRow + ${U} + u] = r;`,
  ];
  const cell = [
    `const hhp = ${resetAfter ? `${l.xk}[xRow + ${2 * U} + u] + r * ${l.inner}[s]` : `${l.hr}[b * ${W} + ${2 * U} + u]`};`,
    `const hh = ${act.expression("hhp", DEFAULT_ALPHA)};`,
    `${l.gates}[gRow + ${2 * U} + u] = hh;`,
    `${l.h}[s] = z * hp + (1 - z) * hh;`,
  ];
  if (resetAfter) {
    return [
      ...lines,
      `// h~ = ${act.name}(xk_h + r · hr_h); h_t = z · h_{t-1} + (1 − z) · h~`,
      `${l.inner}[s] = ${l.hr}[b * ${W} + ${2 * U} + u];`,
      ...cell,
      `}`,
      `}`,
    ];
  }
  return [
    ...lines,
    `${l.inner}[s] = r * hp;`,
    `${l.hr}[b * ${W} + ${2 * U} + u] = ${l.xk}[xRow + ${2 * U} + u];`,
    `}`,
    `}`,
    `// h~ = ${act.name}(xk_h + (r · h_{t-1}) · ${recurrent}[:, h])`,
    `if (t > 0) {`,
    ...emitGemm({
      a: { buf: l.inner, rowStride: U, colStride: 1, offset: `t * batch * ${U}` },
      b: { buf: recurrent, rowStride: W, colStride: 1, offset: `${2 * U}` },
      c: { buf: l.hr, rowStride: W, colStride: 1, offset: `${2 * U}` },
      m: "batch",
      n: U,
      k: U,
      accumulate: true,
      prefix: "q",
    }),
    `}`,
    `for (let b = 0; b < batch; b++) {`,
    `const gRow = (t * batch + b) * ${W};`,
    `for (let u = 0; u < ${U}; u++) {`,
    `const s = (t * batch + b) * ${U} + u;`,
    `const hp = t > 0 ? ${l.h}[s - batch * ${U}] : 0;`,
    `const z = ${l.gates}[gRow + u];`,
    ...cell,
    `}`,
    `}`,
  ];
}

function gruBackwardStep(op: Op, l: GruLayout, ctx: BackwardContext): string[] {
  const act = cellFunction(op.attrs.activation)!;
  const rec = cellFunction(op.attrs.recurrentActivation)!;
  const { U, W, T } = l;
  const recurrent = ctx.value(l.recurrent, "train");
  const resetAfter = op.attrs.resetAfter;
  const head = [
    `// h = z · h_{t-1} + (1 − z) · h~: dz = dh · (h_{t-1} − h~) · ${rec.name}'(z), dh~ = dh · (1 − z) · ${act.name}'(h~), dh_{t-1} = dh · z + ...`,
    `for (let b = 0; b < batch; b++) {`,
    `const gRow = (t * batch + b) * ${W};`,
    `const dzRow = (b * ${T} + ${l.xStep}) * ${W};`,
    `for (let u = 0; u < ${U}; u++) {`,
    `const s = (t * batch + b) * ${U} + u;`,
    `const hp = t > 0 ? ${l.h}[s - batch * ${U}] : 0;`,
    `const z = ${l.gates}[gRow + u], r = ${l.gates}[gRow + ${U} + u], hh = ${l.gates}[gRow + ${2 * U} + u];`,
    `const dh = ${l.dh}[b * ${U} + u];`,
    `const dzp = dh * (hp - hh) * ${rec.derivative!("z", "", DEFAULT_ALPHA)};`,
    `const dhhp = dh * (1 - z) * ${act.derivative!("hh", "", DEFAULT_ALPHA)};`,
    `${l.dz}[dzRow + u] = dzp;`,
    `${l.dz}[dzRow + ${2 * U} + u] = dhhp;`,
    `${l.dhr}[b * ${W} + u] = dzp;`,
    `${l.dh}[b * ${U} + u] = dh * z;`,
  ];
  const dzStep = (column: number) => ({ buf: l.dz, rowStride: T * W, colStride: 1, offset: `${l.xStep} * ${W}${column ? ` + ${column}` : ""}` });
  const hPrevT = { buf: l.h, rowStride: 1, colStride: U, offset: `(t - 1) * batch * ${U}` };
  const dr = ctx.isTrainableParam(l.recurrent) ? ctx.grad(l.recurrent) : null;
  if (resetAfter) {
    const lines = [
      ...head,
      `// hr_h feeds h~ through r: dr = dh~ · hr_h · ${rec.name}'(r), d hr_h = dh~ · r`,
      `const drp = dhhp * ${l.inner}[s] * ${rec.derivative!("r", "", DEFAULT_ALPHA)};`,
      `${l.dz}[dzRow + ${U} + u] = drp;`,
      `${l.dhr}[b * ${W} + ${U} + u] = drp;`,
      `${l.dhr}[b * ${W} + ${2 * U} + u] = dhhp * r;`,
      `}`,
      `}`,
    ];
    if (l.bias && ctx.isTrainableParam(l.bias)) {
      const db = ctx.grad(l.bias);
      lines.push(`// ${db}[1] += Σ over examples of ${l.dhr}`, `for (let j = 0; j < ${W}; j++) { let total = 0; for (let b = 0; b < batch; b++) total += ${l.dhr}[b * ${W} + j]; ${db}[${W} + j] += total; }`);
    }
    lines.push(`if (t > 0) {`);
    if (dr) lines.push(`// ${dr} += h_{t-1}ᵀ · ${l.dhr}`, ...emitGemm({ a: hPrevT, b: { buf: l.dhr, rowStride: W, colStride: 1 }, c: { buf: dr, rowStride: W, colStride: 1 }, m: U, n: W, k: "batch", accumulate: true, prefix: "w" }));
    lines.push(
      `// ${l.dh} += ${l.dhr} · ${recurrent}ᵀ`,
      ...emitGemm({ a: { buf: l.dhr, rowStride: W, colStride: 1 }, b: { buf: recurrent, rowStride: 1, colStride: W }, c: { buf: l.dh, rowStride: U, colStride: 1 }, m: "batch", n: U, k: W, accumulate: true, prefix: "x" }),
      `}`,
    );
    return lines;
  }
  const lines = [
    ...head,
    `}`,
    `}`,
    `// (r · h_{t-1}) · R_h: d(r · h_{t-1}) = dh~ · ${recurrent}[:, h]ᵀ`,
    ...emitGemm({
      a: dzStep(2 * U),
      b: { buf: recurrent, rowStride: 1, colStride: W, offset: `${2 * U}` },
      c: { buf: l.dInner, rowStride: U, colStride: 1 },
      m: "batch",
      n: U,
      k: U,
      prefix: "y",
    }),
    `// dr = d(r · h_{t-1}) · h_{t-1} · ${rec.name}'(r); dh_{t-1} += d(r · h_{t-1}) · r`,
    `for (let b = 0; b < batch; b++) {`,
    `const gRow = (t * batch + b) * ${W};`,
    `const dzRow = (b * ${T} + ${l.xStep}) * ${W};`,
    `for (let u = 0; u < ${U}; u++) {`,
    `const s = (t * batch + b) * ${U} + u;`,
    `const hp = t > 0 ? ${l.h}[s - batch * ${U}] : 0;`,
    `const r = ${l.gates}[gRow + ${U} + u];`,
    `const dInner = ${l.dInner}[b * ${U} + u];`,
    `const drp = dInner * hp * ${rec.derivative!("r", "", DEFAULT_ALPHA)};`,
    `${l.dz}[dzRow + ${U} + u] = drp;`,
    `${l.dhr}[b * ${W} + ${U} + u] = drp;`,
    `${l.dh}[b * ${U} + u] += dInner * r;`,
    `}`,
    `}`,
    `if (t > 0) {`,
  ];
  if (dr) {
    lines.push(
      `// ${dr}[:, z r] += h_{t-1}ᵀ · ${l.dhr}; ${dr}[:, h] += (r · h_{t-1})ᵀ · dh~`,
      ...emitGemm({ a: hPrevT, b: { buf: l.dhr, rowStride: W, colStride: 1 }, c: { buf: dr, rowStride: W, colStride: 1 }, m: U, n: 2 * U, k: "batch", accumulate: true, prefix: "w" }),
      ...emitGemm({
        a: { buf: l.inner, rowStride: 1, colStride: U, offset: `t * batch * ${U}` },
        b: dzStep(2 * U),
        c: { buf: dr, rowStride: W, colStride: 1, offset: `${2 * U}` },
        m: U,
        n: U,
        k: "batch",
        accumulate: true,
        prefix: "v",
      }),
    );
  }
  lines.push(
    `// ${l.dh} += ${l.dhr}[:, z r] · ${recurrent}[:, z r]ᵀ`,
    ...emitGemm({ a: { buf: l.dhr, rowStride: W, colStride: 1 }, b: { buf: recurrent, rowStride: 1, colStride: W }, c: { buf: l.dh, rowStride: U, colStride: 1 }, m: "batch", n: U, k: 2 * U, accumulate: true, prefix: "x" }),
    `}`,
  );
  return lines;
}

const gruLowering: Pick<OpRule<RecurrentAttrs>, "refuse" | "buffers" | "forward" | "backward"> = {
  refuse: (op) => refuse(op, "gru"),
  buffers(op, ctx) {
    const l = gruLayout(op, ctx);
    return [
      perExample(l.xk, l.T * l.W),
      perExample(l.hr, l.W),
      perExample(l.h, l.T * l.U),
      perExample(l.gates, l.T * l.W),
      perExample(l.inner, l.T * l.U),
      perExample(l.dh, l.U),
      perExample(l.dhr, l.W),
      perExample(l.dInner, l.U),
      perExample(l.dz, l.T * l.W),
    ];
  },
  forward(op, ctx, mode) {
    const l = gruLayout(op, ctx);
    // x·K + b: with resetAfter the bias's first row, the input bias (the second is added to hr per step).
    const body = [...inputProjection(l, ctx, mode), `for (let t = 0; t < ${l.T}; t++) {`, ...gruForwardStep(op, l, ctx, mode), `}`, ...emitOutput(op, l, ctx, mode)];
    return nodeStep(op.node, "forward", `${ctx.value(op.node.id, mode)} = gru(${ctx.value(l.x, mode)}) over ${l.T} steps, gates z, r, h${op.attrs.resetAfter ? ", reset after the recurrent product" : ""}`, body);
  },
  backward(op, ctx) {
    const l = gruLayout(op, ctx);
    const out = outputGradient(op, l, ctx);
    const biasFirst = l.bias && ctx.isTrainableParam(l.bias) && op.attrs.resetAfter ? ctx.assign(ctx.grad(l.bias)) : null;
    const body = [
      ...zeroRecurrentGradient(l, ctx),
      ...(biasFirst === "=" ? [`for (let i = 0; i < ${2 * l.W}; i++) ${ctx.grad(l.bias!)}[i] = 0;`] : []),
      ...out.init,
      `for (let t = ${l.T - 1}; t >= 0; t--) {`,
      ...out.perStep,
      ...gruBackwardStep(op, l, ctx),
      `}`,
      ...inputGradients(l, ctx, biasFirst !== null),
    ];
    return nodeStep(op.node, "backward", `backpropagation through ${l.T} steps, from ${ctx.grad(op.node.id)}`, body);
  },
};

export const gru: OpRule<RecurrentAttrs> = {
  attrs: recurrentAttrs,
  reference: gruReference,
  blocksGradient: ({ attrs }) => (attrs.activation === "step" || attrs.recurrentActivation === "step" ? "a step activation" : null),
  ...gruLowering,
};
