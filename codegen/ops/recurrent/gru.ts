// gru, generated. Gates z, r, h in the 3U columns. resetAfter: hr = h_{t-1}·R + b_rec (every column), z = rec(xk_z + hr_z),
// r = rec(xk_r + hr_r), h~ = act(xk_h + r·hr_h). Otherwise hr = h_{t-1}·R_zr for z and r, and
// h~ = act(xk_h + (r·h_{t-1})·R_h). Both: h_t = z·h_{t-1} + (1 − z)·h~. The "inner" tape keeps hr_h
// (resetAfter) or r·h_{t-1}, which backward needs for dr and dR_h. xk is x·K alone, the input bias added
// as a step reads it; z and r go through their function in the gates tape's slice for the step, sigmoid
// over the whole slice in one call of the runtime's gruGates. Masked (see cell.ts): a padded step
// keeps h_{t-1}, and its dh passes to the step before.

import { emitGemm } from "../../kernels/gemm";
import type { RecurrentAttrs } from "./cell.reference";
import { gruReference } from "./gru.reference";
import { DEFAULT_ALPHA } from "../activation-table";
import { nodeStep, type BackwardContext, type LoweringContext, type OpRule } from "../rule";
import { columnSums } from "../../kernels/column-sums";
import { recurrentRule, inputName, carry, cellFunction, emitOutput, inputGradients, inputProjection, inputRow, layout, outputGradient, perExample, refuse, skipPadded, stepGradientView, stepMask, storeStepGradient, zeroRecurrentGradient, type Op } from "./cell";

function gruLayout(op: Op, ctx: LoweringContext) {
  const l = layout(op, ctx, 3);
  return { ...l, hr: ctx.local(op.node, "hr"), inner: ctx.local(op.node, "inner"), dhr: ctx.local(op.node, "dhr"), dInner: ctx.local(op.node, "d_inner") };
}

type GruLayout = ReturnType<typeof gruLayout>;

function gruForwardStep(op: Op, l: GruLayout, ctx: LoweringContext, mode: "train" | "infer"): string[] {
  const act = cellFunction(op.attrs.activation)!;
  const rec = cellFunction(op.attrs.recurrentActivation)!;
  const { U, W } = l;
  const recurrent = ctx.value(l.recurrent, mode);
  const bias = l.bias ? ctx.value(l.bias, mode) : null;
  const resetAfter = op.attrs.resetAfter;
  // resetAfter: the recurrent bias (the bias's second row) is added to hr as it is read
  const recurrentBias = (column: string) => (resetAfter && bias ? ` + ${bias}[${W} + ${column}]` : "");
  // the input bias (the first row, or the whole bias) is added to xk as it is read
  const xk = (column: string) => `${l.xk}[xRow + ${column}]${bias ? ` + ${bias}[${column}]` : ""}`;
  const hPrev = { buf: l.h, rowStride: U, colStride: 1, offset: `(t - 1) * batch * ${U}` };
  const hrColumns = resetAfter ? W : 2 * U;
  const padded = l.mask ? "; a padded step keeps h_{t-1}" : "";
  // Keras' sigmoid gates go to the runtime's gruGates over the step's whole block; other functions are computed per unit
  const vectorGates = rec.name === "sigmoid";
  const recurrentProduct = [
    resetAfter ? `// ${l.hr} = h_{t-1} · ${recurrent}: the recurrent product of every gate, 0 at the first step` : `// ${l.hr}[:, z r] = h_{t-1} · ${recurrent}[:, z r], 0 at the first step`,
    `if (t > 0) {`,
    ...emitGemm({ a: hPrev, b: { buf: recurrent, rowStride: W, colStride: 1 }, c: { buf: l.hr, rowStride: W, colStride: 1 }, m: "batch", n: hrColumns, k: U, prefix: "r", repeats: l.T }),
    `} else {`,
    `${l.hr}.fill(0, 0, batch * ${W});`,
    `}`,
  ];
  if (resetAfter && vectorGates && act.name === "tanh" && !l.mask) {
    // Keras 3's default GRU unmasked: the gates, h~ and h_t over the step's whole block in one call of the runtime's gruCellForward
    return [
      ...recurrentProduct,
      `// z, r = sigmoid(xk_z r${bias ? " + b" : ""} + hr_z r${bias ? " + b_rec" : ""}), inner = hr_h${bias ? " + b_rec_h" : ""}, h~ = tanh(xk_h${bias ? " + b_h" : ""} + r · inner), kept in ${l.gates}[t] and ${l.inner}[t]; h_t = z · h_{t-1} + (1 − z) · h~: over the step's [batch, ${W}] block at once (WebAssembly SIMD where the host has it and 4 divides the units)`,
      `gruCellForward(${l.xk}, ${l.hr}, ${l.h}, ${l.inner}, ${l.gates}, ${bias ?? "null"}, t, batch, ${U});`,
    ];
  }
  const lines = [
    ...recurrentProduct,
    `// z = ${rec.name}(xk_z${bias ? " + b" : ""} + hr_z${recurrentBias("") ? " + b_rec" : ""}), r = ${rec.name}(xk_r${bias ? " + b" : ""} + hr_r${recurrentBias("") ? " + b_rec" : ""}), kept in ${l.gates}[t]`,
    `for (let b = 0; b < batch; b++) {`,
    inputRow(l),
    `const gRow = (t * batch + b) * ${W};`,
    vectorGates
      ? `for (let j = 0; j < ${2 * U}; j++) ${l.gates}[gRow + j] = ${xk("j")} + ${l.hr}[b * ${W} + j]${recurrentBias("j")};`
      : `for (let j = 0; j < ${2 * U}; j++) { const zp = ${xk("j")} + ${l.hr}[b * ${W} + j]${recurrentBias("j")}; ${l.gates}[gRow + j] = ${rec.expression("zp", DEFAULT_ALPHA)}; }`,
    `}`,
    ...(vectorGates ? [`// in place over the step's [batch, ${W}] block at once, the first ${2 * U} of each row (WebAssembly SIMD where the host has it and 4 divides the units)`, `gruGates(${l.gates}, t * batch * ${W}, batch, ${U});`] : []),
  ];
  const cellHead = [
    `for (let b = 0; b < batch; b++) {`,
    inputRow(l),
    `const gRow = (t * batch + b) * ${W};`,
    ...stepMask(l),
    `for (let u = 0; u < ${U}; u++) {`,
    `const s = (t * batch + b) * ${U} + u;`,
    `const hp = t > 0 ? ${l.h}[s - batch * ${U}] : 0;`,
    `const z = ${l.gates}[gRow + u];`,
  ];
  const cell = [
    `const hhp = ${resetAfter ? `${xk(`${2 * U} + u`)} + ${l.gates}[gRow + ${U} + u] * ${l.inner}[s]` : `${l.hr}[b * ${W} + ${2 * U} + u]`};`,
    `const hh = ${act.expression("hhp", DEFAULT_ALPHA)};`,
    `${l.gates}[gRow + ${2 * U} + u] = hh;`,
    `${l.h}[s] = ${carry(l, l.h, "z * hp + (1 - z) * hh")};`,
    `}`,
    `}`,
  ];
  if (resetAfter) {
    return [
      ...lines,
      `// h~ = ${act.name}(xk_h + r · hr_h); h_t = z · h_{t-1} + (1 − z) · h~${padded}`,
      ...cellHead,
      `${l.inner}[s] = ${l.hr}[b * ${W} + ${2 * U} + u]${recurrentBias(`${2 * U} + u`)};`,
      ...cell,
    ];
  }
  return [
    ...lines,
    `// r · h_{t-1} kept in ${l.inner}[t]; ${l.hr}[:, h] starts as xk_h${bias ? " + b_h" : ""}`,
    `for (let b = 0; b < batch; b++) {`,
    inputRow(l),
    `const gRow = (t * batch + b) * ${W};`,
    `for (let u = 0; u < ${U}; u++) {`,
    `const s = (t * batch + b) * ${U} + u;`,
    `const hp = t > 0 ? ${l.h}[s - batch * ${U}] : 0;`,
    `${l.inner}[s] = ${l.gates}[gRow + ${U} + u] * hp;`,
    `${l.hr}[b * ${W} + ${2 * U} + u] = ${xk(`${2 * U} + u`)};`,
    `}`,
    `}`,
    `// h~ = ${act.name}(xk_h + (r · h_{t-1}) · ${recurrent}[:, h])${l.mask ? `; h_t = z · h_{t-1} + (1 − z) · h~${padded}` : ""}`,
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
      repeats: l.T,
    }),
    `}`,
    ...cellHead,
    ...cell,
  ];
}

function gruBackwardStep(op: Op, l: GruLayout, ctx: BackwardContext): string[] {
  const act = cellFunction(op.attrs.activation)!;
  const rec = cellFunction(op.attrs.recurrentActivation)!;
  const { U, W } = l;
  const recurrent = ctx.value(l.recurrent, "train");
  const resetAfter = op.attrs.resetAfter;
  const head = [
    `// h = z · h_{t-1} + (1 − z) · h~: dz = dh · (h_{t-1} − h~) · ${rec.name}'(z), dh~ = dh · (1 − z) · ${act.name}'(h~), dh_{t-1} = dh · z + ...`,
    `for (let b = 0; b < batch; b++) {`,
    `const gRow = (t * batch + b) * ${W};`,
    inputRow(l),
    ...skipPadded(l, [l.dhr]),
    `for (let u = 0; u < ${U}; u++) {`,
    `const s = (t * batch + b) * ${U} + u;`,
    `const hp = t > 0 ? ${l.h}[s - batch * ${U}] : 0;`,
    `const z = ${l.gates}[gRow + u], r = ${l.gates}[gRow + ${U} + u], hh = ${l.gates}[gRow + ${2 * U} + u];`,
    `const dh = ${l.dh}[b * ${U} + u];`,
    `const dzp = dh * (hp - hh) * ${rec.derivative!("z", "", DEFAULT_ALPHA)};`,
    `const dhhp = dh * (1 - z) * ${act.derivative!("hh", "", DEFAULT_ALPHA)};`,
    storeStepGradient(l, "u", "dzp"),
    storeStepGradient(l, `${2 * U} + u`, "dhhp"),
    `${l.dhr}[b * ${W} + u] = dzp;`,
    `${l.dh}[b * ${U} + u] = dh * z;`,
  ];
  const dzStep = (column: number) => stepGradientView(l, column);
  const hPrevT = { buf: l.h, rowStride: 1, colStride: U, offset: `(t - 1) * batch * ${U}` };
  const dr = ctx.isTrainableParam(l.recurrent) ? ctx.grad(l.recurrent) : null;
  if (resetAfter) {
    // Keras 3's default GRU unmasked: the step's whole block in one call of the runtime's gruCellBackward; otherwise a loop per unit
    const lines =
      rec.name === "sigmoid" && act.name === "tanh" && !l.mask
        ? [
            `// h = z · h_{t-1} + (1 − z) · h~: dz = dh · (h_{t-1} − h~) · sigmoid'(z), dh~ = dh · (1 − z) · tanh'(h~), dh_{t-1} = dh · z + ...; hr_h feeds h~ through r: dr = dh~ · hr_h · sigmoid'(r), d hr_h = dh~ · r`,
            `// over the step's [batch, ${W}] block at once (WebAssembly SIMD where the host has it and 4 divides the units)`,
            `gruCellBackward(${l.gates}, ${l.inner}, ${l.h}, ${l.dh}, ${l.dz}, ${l.dhr}, t, batch, ${U});`,
          ]
        : [
            ...head,
            `// hr_h feeds h~ through r: dr = dh~ · hr_h · ${rec.name}'(r), d hr_h = dh~ · r`,
            `const drp = dhhp * ${l.inner}[s] * ${rec.derivative!("r", "", DEFAULT_ALPHA)};`,
            storeStepGradient(l, `${U} + u`, "drp"),
            `${l.dhr}[b * ${W} + ${U} + u] = drp;`,
            `${l.dhr}[b * ${W} + ${2 * U} + u] = dhhp * r;`,
            `}`,
            `}`,
          ];
    if (l.bias && ctx.isTrainableParam(l.bias)) {
      const db = ctx.grad(l.bias);
      lines.push(...columnSums(db, "+=", l.dhr, "batch", W, W));
    }
    lines.push(`if (t > 0) {`);
    if (dr) lines.push(`// ${dr} += h_{t-1}ᵀ · ${l.dhr}`, ...emitGemm({ a: hPrevT, b: { buf: l.dhr, rowStride: W, colStride: 1 }, c: { buf: dr, rowStride: W, colStride: 1 }, m: U, n: W, k: "batch", accumulate: true, prefix: "w", repeats: l.T }));
    lines.push(
      `// ${l.dh} += ${l.dhr} · ${recurrent}ᵀ`,
      ...emitGemm({ a: { buf: l.dhr, rowStride: W, colStride: 1 }, b: { buf: recurrent, rowStride: 1, colStride: W }, c: { buf: l.dh, rowStride: U, colStride: 1 }, m: "batch", n: U, k: W, accumulate: true, prefix: "x", repeats: l.T }),
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
      repeats: l.T,
    }),
    `// dr = d(r · h_{t-1}) · h_{t-1} · ${rec.name}'(r); dh_{t-1} += d(r · h_{t-1}) · r`,
    `for (let b = 0; b < batch; b++) {`,
    `const gRow = (t * batch + b) * ${W};`,
    inputRow(l),
    `for (let u = 0; u < ${U}; u++) {`,
    `const s = (t * batch + b) * ${U} + u;`,
    `const hp = t > 0 ? ${l.h}[s - batch * ${U}] : 0;`,
    `const r = ${l.gates}[gRow + ${U} + u];`,
    `const dInner = ${l.dInner}[b * ${U} + u];`,
    `const drp = dInner * hp * ${rec.derivative!("r", "", DEFAULT_ALPHA)};`,
    storeStepGradient(l, `${U} + u`, "drp"),
    `${l.dhr}[b * ${W} + ${U} + u] = drp;`,
    `${l.dh}[b * ${U} + u] += dInner * r;`,
    `}`,
    `}`,
    `if (t > 0) {`,
  ];
  if (dr) {
    lines.push(
      `// ${dr}[:, z r] += h_{t-1}ᵀ · ${l.dhr}; ${dr}[:, h] += (r · h_{t-1})ᵀ · dh~`,
      ...emitGemm({ a: hPrevT, b: { buf: l.dhr, rowStride: W, colStride: 1 }, c: { buf: dr, rowStride: W, colStride: 1 }, m: U, n: 2 * U, k: "batch", accumulate: true, prefix: "w", repeats: l.T }),
      ...emitGemm({
        a: { buf: l.inner, rowStride: 1, colStride: U, offset: `t * batch * ${U}` },
        b: dzStep(2 * U),
        c: { buf: dr, rowStride: W, colStride: 1, offset: `${2 * U}` },
        m: U,
        n: U,
        k: "batch",
        accumulate: true,
        prefix: "v",
        repeats: l.T,
      }),
    );
  }
  lines.push(
    `// ${l.dh} += ${l.dhr}[:, z r] · ${recurrent}[:, z r]ᵀ`,
    ...emitGemm({ a: { buf: l.dhr, rowStride: W, colStride: 1 }, b: { buf: recurrent, rowStride: 1, colStride: W }, c: { buf: l.dh, rowStride: U, colStride: 1 }, m: "batch", n: U, k: 2 * U, accumulate: true, prefix: "x", repeats: l.T }),
    `}`,
  );
  return lines;
}

const gruLowering: Pick<OpRule<RecurrentAttrs>, "refuse" | "buffers" | "forward" | "backward"> = {
  refuse: (op) => refuse(op, "gru"),
  buffers(op, ctx) {
    const l = gruLayout(op, ctx);
    return [
      perExample(l.xt, l.T * l.F),
      perExample(l.dxt, l.T * l.F),
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
    // x·K; the input bias (with resetAfter the bias's first row; the second goes with hr) is added as each step reads xk
    const body = [...inputProjection(l, ctx, mode, l.xk, true), `for (let t = 0; t < ${l.T}; t++) {`, ...gruForwardStep(op, l, ctx, mode), `}`, ...emitOutput(op, l, ctx, mode)];
    return nodeStep(op.node, "forward", `${ctx.value(op.node.id, mode)} = gru(${inputName(l, ctx, mode)}) over ${l.T} steps, gates z, r, h${op.attrs.resetAfter ? ", reset after the recurrent product" : ""}`, body);
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

export const gru = recurrentRule(gruReference, gruLowering, true);
