// matmul: [...M, K] x [K, N] -> [...M, N]. With a weight as K x N it heads a dense layer's fused
// product: bias, activation and dropout mask in its store; backward dz = dy (* mask) * act'(z),
// db = Σ dz, dW = Xᵀ·dz and dX = dz·Wᵀ without transposed copies, and no dX when nothing upstream
// trains. With a per-example second operand it is a batched product of small loops.

import { columnSums } from "../kernels/column-sums";
import { emitGemm, type Gemm } from "../kernels/gemm";
import { runtimeSigmoid, usesRuntimeSigmoid } from "../kernels/runtime-sigmoid";
import { rowStart } from "../interpreter/tensor";
import { product, UnsupportedError, type Mode, type Step } from "../lowering/common";
import type { FusedGroup } from "../lowering/fusion";
import { noGradientMessage, type ActivationEntry } from "./activation-table";
import { keepsMaskOverLastAxis, noAttrs, nodeStep, type BackwardContext, type FusedStages, type LoweringContext, type OpNode, type OpRule } from "./rule";

type Op = OpNode<Record<string, never>>;

/** Each stored element: the activation inline, then the mask; `value` is the accumulated z. */
function fusedStore(s: FusedStages, out: string, inlineActivation: boolean, mode: Mode) {
  const mask = mode === "train" ? s.mask : null;
  return (value: string, _row: string, _col: string, at: string): string[] => {
    if (!inlineActivation) return [`${out}[${at}] = ${value};`];
    const entry = s.activation!.entry;
    if (entry.kind !== "elementwise") throw new Error("matmul: a row-wise activation cannot be inlined");
    const lines = [`{`, `const z = ${value};`, `const a = ${entry.expression("z", s.activation!.alpha)};`, `${out}[${at}] = a;`];
    if (mask) lines.push(...mask.store("a", at));
    return [...lines, "}"];
  };
}

/**
 * What gemm's epilogue can do of the store, or undefined: the bias, and relu (or a linear activation)
 * when the activation is inline without a dropout mask after it. An activation applied in a pass of
 * its own (a row-wise softmax, the runtime's sigmoid) leaves the epilogue the bias alone.
 */
function moduleEpilogue(entry: ActivationEntry | null, bias: string | null, inline: boolean, masked: boolean): Gemm["runtimeEpilogue"] {
  if (!inline) return bias ? { bias, activation: "linear" } : undefined;
  if (masked || (entry!.name !== "relu" && entry!.name !== "linear")) return undefined;
  const activation = entry!.name;
  return bias || activation === "relu" ? { bias, activation } : undefined;
}

function denseForward(g: FusedGroup, ctx: LoweringContext, mode: Mode): Step {
  const s = ctx.stages(g);
  const x = g.head.inputs[0]!;
  const kernel = ctx.value(g.head.inputs[1]!, mode);
  const [k, n] = ctx.node(g.head.inputs[1]!).shape as [number, number];
  const bias = s.bias ? ctx.value(s.bias.weight, mode) : null;
  const entry = s.activation?.entry ?? null;
  const mask = mode === "train" ? s.mask : null;
  const actOut = ctx.value((g.activation ?? g.preActivation).id, mode);
  const out = mask ? ctx.value(mask.node.id, mode) : actOut;
  const rows = ctx.rows(g.head);
  const vectorSigmoid = usesRuntimeSigmoid(entry?.name ?? null, n, mask !== null);
  const inline = entry !== null && entry.kind === "elementwise" && !vectorSigmoid;
  const store = fusedStore(s, actOut, inline, mode);
  // a row-wise activation that adds the bias itself (the wide softmax) saves a pass over the output
  const rowsTakeBias = bias !== null && entry?.kind === "rowwise" && !ctx.isSparse(x) && entry.foldsBias(n);
  const body = ctx.isSparse(x)
    ? sparseProduct(ctx, x, kernel, actOut, n, bias, inline ? store : null)
    : emitGemm({
        a: { buf: ctx.value(x, mode), rowStride: k, colStride: 1 },
        b: { buf: kernel, rowStride: n, colStride: 1 },
        c: { buf: actOut, rowStride: n, colStride: 1 },
        m: rows,
        n,
        k,
        init: bias && !rowsTakeBias ? (col) => `${bias}[${col}]` : undefined,
        store: inline || (bias && !rowsTakeBias) ? store : undefined,
        runtimeEpilogue: moduleEpilogue(entry, rowsTakeBias ? null : bias, inline, mask !== null),
      });
  if (vectorSigmoid) body.push(runtimeSigmoid(actOut, rows, n));
  if (entry?.kind === "rowwise") body.push(...entry.forwardRows(actOut, actOut, rows, n, rowsTakeBias ? bias : null));
  if (mask && !inline) body.push(`for (let i = 0; i < ${rows} * ${n}; i++) {`, ...mask.store(`${actOut}[i]`, "i"), "}");
  const what = `${entry?.name ?? "linear"}(${ctx.value(x, mode)} · ${kernel}${bias ? ` + ${bias}` : ""})${mask ? `, then ${mask.description}` : ""}`;
  return {
    name: `${g.head.layer}_forward${mask ? "_train" : ""}`,
    comment: `${g.head.layer}: ${out} = ${what}; [${rows} x ${k}] · [${k} x ${n}]`,
    body,
  };
}

/**
 * y = x · W for CSR rows x: the runtime's sparseProduct starts each row from the bias and adds, for
 * each non-zero (k, v), v times row k of W (a row gather); then the fused store (activation,
 * dropout) runs per element.
 */
function sparseProduct(
  ctx: LoweringContext,
  x: string,
  kernel: string,
  out: string,
  n: number,
  bias: string | null,
  store: ((v: string, r: string, c: string, at: string) => string[]) | null,
): string[] {
  const { indptr, indices, values } = ctx.sparseBuffers(x);
  const product = `sparseProduct(batch, ${n}, ${indptr}, ${indices}, ${values}, ${kernel}, ${bias ?? "null"}, ${out});`;
  if (!store) return [product];
  return [product, `for (let i = 0; i < batch * ${n}; i++) {`, ...store(`${out}[i]`, `Math.floor(i / ${n})`, `i % ${n}`, "i"), `}`];
}

/** dz = dy (* mask) (* act'(z)): the upstream gradient loaded once with the derivatives applied. */
function preActivationGradient(g: FusedGroup, s: FusedStages, ctx: LoweringContext, rows: string, n: number, dz: string): string[] {
  const dy = ctx.grad(g.output.id);
  const act = s.activation;
  if (!act && !s.mask) return [];
  const upstream = (i: string) => `${dy}[${i}]${s.mask ? ` * ${s.mask.gradientFactor(i)}` : ""}`;
  const masked = s.mask ? ` (* the mask of ${s.mask.description})` : "";
  if (!act) return [`// ${dz} = ${dy}${masked}`, `for (let i = 0; i < ${rows} * ${n}; i++) ${dz}[i] = ${upstream("i")};`];
  const y = ctx.value(act.node.id, "train");
  const comment = `// ${act.entry.derivativeText}${masked}`;
  if (act.entry.kind === "rowwise") return [comment, ...act.entry.backwardRows(upstream, y, dz, "=", rows, n)];
  if (!act.entry.derivative) throw new UnsupportedError(noGradientMessage(act.node.layer, act.entry.name));
  const z = ctx.value(g.preActivation.id, "train");
  const derivative = act.entry.derivative(`${y}[i]`, `${z}[i]`, act.alpha);
  return [comment, `for (let i = 0; i < ${rows} * ${n}; i++) ${dz}[i] = ${upstream("i")} * ${derivative};`];
}

/**
 * dW (=|+=) xᵀ · dz for CSR rows x: the runtime's sparseWeightGradient scatter-adds, for each
 * non-zero (k, v) of row r, v * dz[r] into row k of dW. Where this product is dW's one writer (no
 * other use of W, no penalty) it zeroes only the rows the previous batch wrote, with the result of
 * zeroing dW whole.
 */
function sparseWeightGradient(ctx: LoweringContext, x: string, dz: string, dw: string, n: number, start: "accumulate" | "zero" | "touchedRows"): string {
  const { indptr, indices, values } = ctx.sparseBuffers(x);
  return `sparseWeightGradient(batch, ${n}, ${indptr}, ${indices}, ${values}, ${dz}, ${dw}, "${start}");`;
}

function denseBackward(g: FusedGroup, ctx: BackwardContext): Step {
  const s = ctx.stages(g);
  const [k, n] = ctx.node(g.head.inputs[1]!).shape as [number, number];
  const x = g.head.inputs[0]!;
  const kernelId = g.head.inputs[1]!;
  const kernel = ctx.value(kernelId, "train");
  const rows = ctx.rows(g.head);
  const dz = ctx.grad(g.preActivation.id);
  const seeded = ctx.fusedLossInput()?.id === g.preActivation.id;
  const body: string[] = seeded ? [] : preActivationGradient(g, s, ctx, rows, n, dz);
  const computed: string[] = [];
  if (s.bias && ctx.needsGrad(s.bias.weight)) {
    const db = ctx.grad(s.bias.weight);
    const op = ctx.assign(db);
    computed.push(db);
    body.push(...columnSums(db, op, dz, rows, n));
  }
  if (ctx.isTrainableParam(kernelId)) {
    const dw = ctx.grad(kernelId);
    const accumulate = ctx.assign(dw) === "+=";
    computed.push(dw);
    body.push(`// ${dw} ${accumulate ? "+=" : "="} ${ctx.value(x, "train")}ᵀ · ${dz}`);
    if (ctx.isSparse(x)) body.push(sparseWeightGradient(ctx, x, dz, dw, n, accumulate ? "accumulate" : ctx.gradientHasOneWriter(kernelId) ? "touchedRows" : "zero"));
    else
      body.push(
        ...emitGemm({
          a: { buf: ctx.value(x, "train"), rowStride: 1, colStride: k },
          b: { buf: dz, rowStride: n, colStride: 1 },
          c: { buf: dw, rowStride: n, colStride: 1 },
          m: k,
          n,
          k: rows,
          accumulate,
          prefix: "w",
        }),
      );
  }
  if (ctx.needsGrad(x)) {
    const dx = ctx.grad(x);
    const accumulate = ctx.assign(dx) === "+=";
    computed.push(dx);
    body.push(`// ${dx} ${accumulate ? "+=" : "="} ${dz} · ${kernel}ᵀ`);
    body.push(
      ...emitGemm({
        a: { buf: dz, rowStride: n, colStride: 1 },
        b: { buf: kernel, rowStride: 1, colStride: n },
        c: { buf: dx, rowStride: k, colStride: 1 },
        m: rows,
        n: k,
        k: n,
        accumulate,
        prefix: "x",
      }),
    );
  }
  const from = seeded ? dz : ctx.grad(g.output.id);
  return {
    name: `${g.head.layer}_backward`,
    comment: `${g.head.layer}: ${listed(computed)} from ${from}`,
    body,
  };
}

/** "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? "nothing") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** matmul whose second operand is computed per example: [M, K] x [K, N] in each example. */
function batchedForward(op: Op, ctx: LoweringContext, mode: Mode): Step {
  const { node } = op;
  const [aId, bId] = node.inputs as [string, string];
  const m = product(ctx.node(aId).shape.slice(0, -1));
  const [k, n] = ctx.node(bId).shape as [number, number];
  const [a, b, c] = [ctx.value(aId, mode), ctx.value(bId, mode), ctx.value(node.id, mode)];
  return nodeStep(node, "forward", `${c} = ${a} · ${b}, per example`, [
    `for (let e = 0; e < batch; e++) {`,
    `for (let i = 0; i < ${m}; i++) {`,
    `for (let j = 0; j < ${n}; j++) {`,
    `let total = 0;`,
    `for (let p = 0; p < ${k}; p++) total += ${a}[(e * ${m} + i) * ${k} + p] * ${b}[(e * ${k} + p) * ${n} + j];`,
    `${c}[(e * ${m} + i) * ${n} + j] = total;`,
    `}`,
    `}`,
    `}`,
  ]);
}

function batchedBackward(op: Op, ctx: BackwardContext): Step {
  const { node } = op;
  const [aId, bId] = node.inputs as [string, string];
  const m = product(ctx.node(aId).shape.slice(0, -1));
  const [k, n] = ctx.node(bId).shape as [number, number];
  const dy = ctx.grad(node.id);
  const [a, b] = [ctx.value(aId, "train"), ctx.value(bId, "train")];
  const lines: string[] = [];
  if (ctx.needsGrad(aId)) {
    const da = ctx.grad(aId);
    const op = ctx.assign(da);
    lines.push(
      `// ${da} ${op} ${dy} · ${b}ᵀ, per example`,
      `for (let e = 0; e < batch; e++) for (let i = 0; i < ${m}; i++) for (let p = 0; p < ${k}; p++) {`,
      `let total = 0;`,
      `for (let j = 0; j < ${n}; j++) total += ${dy}[(e * ${m} + i) * ${n} + j] * ${b}[(e * ${k} + p) * ${n} + j];`,
      `${da}[(e * ${m} + i) * ${k} + p] ${op} total;`,
      `}`,
    );
  }
  if (ctx.needsGrad(bId)) {
    const db = ctx.grad(bId);
    const op = ctx.assign(db);
    lines.push(
      `// ${db} ${op} ${a}ᵀ · ${dy}, per example`,
      `for (let e = 0; e < batch; e++) for (let p = 0; p < ${k}; p++) for (let j = 0; j < ${n}; j++) {`,
      `let total = 0;`,
      `for (let i = 0; i < ${m}; i++) total += ${a}[(e * ${m} + i) * ${k} + p] * ${dy}[(e * ${m} + i) * ${n} + j];`,
      `${db}[(e * ${k} + p) * ${n} + j] ${op} total;`,
      `}`,
    );
  }
  return nodeStep(node, "backward", `gradients of ${node.id} = ${a} · ${b}`, lines);
}

export const matmul: OpRule<Record<string, never>> = {
  attrs: noAttrs,
  headsProduct: ({ node }, ctx) => ctx.node(node.inputs[1]!).op === "param",
  readsSparse: ({ node }, index, ctx) => index === 0 && ctx.node(node.inputs[1]!).op === "param",
  masking: (op, masked, ctx) =>
    masked.args.includes(1) ? { refused: "the mask is on its second argument, the matrix it multiplies by" } : keepsMaskOverLastAxis(op, masked, ctx),
  forward(op, ctx, mode) {
    const group = ctx.group(op.node.id);
    return group ? denseForward(group, ctx, mode) : batchedForward(op, ctx, mode);
  },
  backward(op, ctx) {
    const group = ctx.group(op.node.id);
    return group ? denseBackward(group, ctx) : batchedBackward(op, ctx);
  },
  reference: {
    /** [...M, K] x [K, N] -> [...M, N]. */
    forward({ args: [a, w], argShapes, out, rows }) {
      const [k, n] = argShapes[1] as [number, number];
      const m = a!.size / k;
      for (let b = 0; b < rows; b++) {
        const [as, ws, os] = [rowStart(a!, b), rowStart(w!, b), rowStart(out, b)];
        for (let r = 0; r < m; r++) {
          for (let j = 0; j < n; j++) {
            let sum = 0;
            for (let i = 0; i < k; i++) sum += a!.data[as + r * k + i]! * w!.data[ws + i * n + j]!;
            out.data[os + r * n + j] = sum;
          }
        }
      }
    },
    /** da = dY Wᵀ, dW = Aᵀ dY. */
    backward({ args: [a, w], argShapes, out, rows }, dOut, [da, dw]) {
      const [k, n] = argShapes[1] as [number, number];
      const m = a!.size / k;
      for (let b = 0; b < rows; b++) {
        const [as, ws, os] = [rowStart(a!, b), rowStart(w!, b), rowStart(out, b)];
        for (let r = 0; r < m; r++) {
          for (let j = 0; j < n; j++) {
            const g = dOut[os + r * n + j]!;
            for (let i = 0; i < k; i++) {
              if (da) da[as + r * k + i]! += g * w!.data[ws + i * n + j]!;
              if (dw) dw[ws + i * n + j]! += g * a!.data[as + r * k + i]!;
            }
          }
        }
      }
    },
  },
};
