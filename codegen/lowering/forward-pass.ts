// Forward kernels: a fused matrix-product step per dense layer (bias, activation and dropout mask
// in its store), and a loop nest per other op. Training and inference differ only at dropout.

import type { IRNode } from "../../dsl/ir";
import type { DenseGroup } from "../graph-analysis";
import { activationExpr } from "../kernels/activations";
import { emitGemm } from "../kernels/gemm";
import { runtimeSigmoid, usesRuntimeSigmoid } from "../kernels/runtime-sigmoid";
import {
  product,
  safeName,
  UnsupportedError,
  type Mode,
  type Step,
} from "./common";
import type { Lowering } from "./lowering";

export class ForwardPass {
  constructor(
    private readonly l: Lowering,
    private readonly mode: Mode,
  ) {}

  steps(): Step[] {
    const steps: Step[] = [];
    for (const node of this.l.ir.nodes) {
      const group = this.l.a.groupOf.get(node.id);
      if (group) {
        if (group.matmul === node)
          steps.push(this.denseForward(group, this.mode));
        continue;
      }
      const step = this.opForward(node, this.mode);
      if (step) steps.push(step);
    }
    return steps;
  }

  private denseForward(g: DenseGroup, mode: Mode): Step {
    const x = g.matmul.inputs[0]!;
    const kernel = this.l.value(g.matmul.inputs[1]!, mode);
    const [k, n] = this.l.a.node(g.matmul.inputs[1]!).shape as [number, number];
    const bias = g.bias ? this.l.value(g.bias.inputs[1]!, mode) : null;
    const act = g.activation?.op ?? null;
    const alpha = Number(g.activation?.attrs.alpha ?? 0.2);
    const actOut = this.l.value((g.activation ?? g.preActivation).id, mode);
    const dropout = mode === "train" ? g.dropout : null;
    const out = dropout ? this.l.value(dropout.id, mode) : actOut;
    const vectorSigmoid = usesRuntimeSigmoid(act, n, dropout !== null);
    const elementwise = act !== null && act !== "softmax" && !vectorSigmoid;
    const store = (
      value: string,
      _row: string,
      _col: string,
      at: string,
    ): string[] => {
      if (!elementwise) return [`${actOut}[${at}] = ${value};`];
      const lines = [
        `{`,
        `const z = ${value};`,
        `const a = ${activationExpr(act, "z", alpha)};`,
        `${actOut}[${at}] = a;`,
      ];
      if (dropout) lines.push(...this.dropoutStore(dropout, "a", at));
      return [...lines, "}"];
    };
    const body = this.l.isSparse(x)
      ? this.sparseProduct(x, kernel, actOut, n, bias, store)
      : emitGemm({
          a: { buf: this.l.value(x, mode), rowStride: k, colStride: 1 },
          b: { buf: kernel, rowStride: n, colStride: 1 },
          c: { buf: actOut, rowStride: n, colStride: 1 },
          m: this.l.rows(g.matmul),
          n,
          k,
          init: bias ? (col) => `${bias}[${col}]` : undefined,
          store,
        });
    if (vectorSigmoid) body.push(runtimeSigmoid(actOut, this.l.rows(g.matmul), n));
    if (act === "softmax")
      body.push(...this.softmaxRows(actOut, actOut, this.l.rows(g.matmul), n));
    if (dropout && !elementwise)
      body.push(...this.dropoutLoop(dropout, actOut, out));
    const what = `${act ?? "linear"}(${this.l.value(x, mode)} · ${kernel}${bias ? ` + ${bias}` : ""})${dropout ? `, then dropout(${dropout.attrs.rate})` : ""}`;
    return {
      name: `${g.matmul.layer}_forward${dropout ? "_train" : ""}`,
      comment: `${g.matmul.layer}: ${out} = ${what}; [${this.l.rows(g.matmul)} x ${k}] · [${k} x ${n}]`,
      body,
    };
  }

  /**
   * y = x · W for CSR rows x: each row starts from the bias and adds, for each non-zero (k, v),
   * v times row k of W (a row gather); then the fused store (activation, dropout) runs per element.
   */
  private sparseProduct(
    x: string,
    kernel: string,
    out: string,
    n: number,
    bias: string | null,
    store: (v: string, r: string, c: string, at: string) => string[],
  ): string[] {
    const { indptr, indices, values } = this.l.sparseBuffers(x);
    return [
      `for (let r = 0; r < batch; r++) {`,
      `const o = r * ${n};`,
      `for (let j = 0; j < ${n}; j++) ${out}[o + j] = ${bias ? `${bias}[j]` : "0"};`,
      `for (let p = ${indptr}[r]; p < ${indptr}[r + 1]; p++) {`,
      `const row = ${indices}[p] * ${n};`,
      `const v = ${values}[p];`,
      `for (let j = 0; j < ${n}; j++) ${out}[o + j] += v * ${kernel}[row + j];`,
      `}`,
      `for (let j = 0; j < ${n}; j++) {`,
      ...store(`${out}[o + j]`, "r", "j", "o + j"),
      `}`,
      `}`,
    ];
  }

  private dropoutStore(dropout: IRNode, value: string, at: string): string[] {
    const rate = Number(dropout.attrs.rate);
    const mask = `mask_${dropout.id}`;
    return [
      `const keep = rng.uniform() < ${rate} ? 0 : ${1 / (1 - rate)};`,
      `${mask}[${at}] = keep;`,
      `${safeName(dropout.id)}[${at}] = ${value} * keep;`,
    ];
  }

  private dropoutLoop(dropout: IRNode, from: string, to: string): string[] {
    const total = `batch * ${this.l.size(dropout.id)}`;
    return [
      `for (let i = 0; i < ${total}; i++) {`,
      ...this.dropoutStore(dropout, `${from}[i]`, "i").map((l) =>
        l.replace(`${safeName(dropout.id)}[i]`, `${to}[i]`),
      ),
      "}",
    ];
  }

  /** y[row, :] = softmax(x[row, :]) for each row, stable (max subtracted). */
  private softmaxRows(
    x: string,
    y: string,
    rows: string,
    width: number,
  ): string[] {
    return [
      `for (let r = 0; r < ${rows}; r++) {`,
      `const o = r * ${width};`,
      `let max = ${x}[o];`,
      `for (let j = 1; j < ${width}; j++) if (${x}[o + j] > max) max = ${x}[o + j];`,
      `let total = 0;`,
      `for (let j = 0; j < ${width}; j++) { const e = Math.exp(${x}[o + j] - max); ${y}[o + j] = e; total += e; }`,
      `for (let j = 0; j < ${width}; j++) ${y}[o + j] /= total;`,
      `}`,
    ];
  }

  private opForward(node: IRNode, mode: Mode): Step | null {
    const v = (id: string) => this.l.value(id, mode);
    const total = `batch * ${this.l.size(node.id)}`;
    const [x, y] = [node.inputs[0] ?? "", node.inputs[1] ?? ""];
    const step = (what: string, body: string[]): Step => ({
      name: `${node.id}_forward`,
      comment: `${node.layer}: ${node.id} = ${what}`,
      body,
    });
    switch (node.op) {
      case "input":
      case "param":
      case "reshape":
        return null;
      case "add":
      case "subtract":
      case "multiply": {
        const sign = { add: "+", subtract: "-", multiply: "*" }[node.op];
        return step(`${v(x)} ${sign} ${v(y)}`, [
          `for (let i = 0; i < ${total}; i++) ${safeName(node.id)}[i] = ${v(x)}[i] ${sign} ${v(y)}[i];`,
        ]);
      }
      case "biasAdd": {
        const width = this.l.lastDim(node.id);
        return step(`${v(x)} + ${v(y)}`, [
          `for (let i = 0; i < ${total}; i++) ${safeName(node.id)}[i] = ${v(x)}[i] + ${v(y)}[i % ${width}];`,
        ]);
      }
      case "sigmoid":
      case "tanh":
      case "relu":
      case "leakyRelu":
      case "step":
      case "exp":
      case "log": {
        const expr = activationExpr(
          node.op,
          "z",
          Number(node.attrs.alpha ?? 0.2),
        );
        return step(`${node.op}(${v(x)})`, [
          `for (let i = 0; i < ${total}; i++) { const z = ${v(x)}[i]; ${safeName(node.id)}[i] = ${expr}; }`,
        ]);
      }
      case "softmax":
        return step(
          `softmax(${v(x)})`,
          this.softmaxRows(
            v(x),
            safeName(node.id),
            this.l.rows(node),
            this.l.lastDim(node.id),
          ),
        );
      case "concatenate":
        return step(
          `concatenate(${node.inputs.map(v).join(", ")})`,
          this.concatenateForward(node, mode),
        );
      case "sum":
      case "mean":
        return step(
          `${node.op}(${v(x)}, axis ${node.attrs.axis})`,
          this.reduceForward(node, mode),
        );
      case "dropout":
        return {
          ...step(
            `dropout(${v(x)}, ${node.attrs.rate})`,
            this.dropoutLoop(node, v(x), safeName(node.id)),
          ),
          name: `${node.id}_forward_train`,
        };
      case "matmul":
        return step(`${v(x)} · ${v(y)}`, this.batchedMatmulForward(node, mode));
      default:
        throw new UnsupportedError(
          `op "${node.op}" of layer "${node.layer}" has no kernel`,
        );
    }
  }

  private concatenateForward(node: IRNode, mode: Mode): string[] {
    const width = this.l.lastDim(node.id);
    const lines = [`for (let r = 0; r < ${this.l.rows(node)}; r++) {`];
    let offset = 0;
    for (const input of node.inputs) {
      const w = this.l.lastDim(input);
      lines.push(
        `for (let j = 0; j < ${w}; j++) ${safeName(node.id)}[r * ${width} + ${offset} + j] = ${this.l.value(input, mode)}[r * ${w} + j];`,
      );
      offset += w;
    }
    return [...lines, "}"];
  }

  private reduceForward(node: IRNode, mode: Mode): string[] {
    const [outer, count, inner] = this.l.reduceDims(node);
    const x = this.l.value(node.inputs[0]!, mode);
    const scale = node.op === "mean" ? ` / ${count}` : "";
    return [
      `for (let e = 0; e < batch * ${outer}; e++) {`,
      `for (let q = 0; q < ${inner}; q++) {`,
      `let total = 0;`,
      `for (let a = 0; a < ${count}; a++) total += ${x}[(e * ${count} + a) * ${inner} + q];`,
      `${safeName(node.id)}[e * ${inner} + q] = total${scale};`,
      `}`,
      `}`,
    ];
  }

  /** matmul whose second operand is computed per example: [M, K] x [K, N] in each example. */
  private batchedMatmulForward(node: IRNode, mode: Mode): string[] {
    const aShape = this.l.a.node(node.inputs[0]!).shape;
    const [k, n] = this.l.a.node(node.inputs[1]!).shape as [number, number];
    const m = product(aShape.slice(0, -1));
    const [a, b] = [
      this.l.value(node.inputs[0]!, mode),
      this.l.value(node.inputs[1]!, mode),
    ];
    return [
      `for (let e = 0; e < batch; e++) {`,
      `for (let i = 0; i < ${m}; i++) {`,
      `for (let j = 0; j < ${n}; j++) {`,
      `let total = 0;`,
      `for (let p = 0; p < ${k}; p++) total += ${a}[(e * ${m} + i) * ${k} + p] * ${b}[(e * ${k} + p) * ${n} + j];`,
      `${safeName(node.id)}[(e * ${m} + i) * ${n} + j] = total;`,
      `}`,
      `}`,
      `}`,
    ];
  }
}
