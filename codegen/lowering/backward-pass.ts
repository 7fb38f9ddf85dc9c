// Backward: reverse-mode gradients derived at generation time. Each gradient buffer is written with
// "=" by its first contribution and "+=" by the rest; dense layers get dedicated dW = Xᵀ·dZ and
// dX = dZ·Wᵀ products, and no dX when nothing upstream is trainable.

import type { IRNode } from "../../dsl/ir";
import type { DenseGroup } from "../graph-analysis";
import { derivativeExpr } from "../kernels/activations";
import { emitGemm } from "../kernels/gemm";
import { LossPass } from "./loss-pass";
import { product, safeName, UnsupportedError, type Step } from "./common";
import type { Lowering } from "./lowering";

export class BackwardPass {
  private readonly written = new Set<string>();

  constructor(private readonly l: Lowering) {}

  /** "=" for the first write of a gradient buffer, "+=" after. */
  private assign(buffer: string): "=" | "+=" {
    if (this.written.has(buffer)) return "+=";
    this.written.add(buffer);
    return "=";
  }

  steps(): Step[] {
    const steps: Step[] = this.l.a.needsGrad.has(this.l.outputId)
      ? [new LossPass(this.l).seedStep(this.written)]
      : [];
    const fused = this.l.fusedLossInput();
    for (const node of [...this.l.ir.nodes].reverse()) {
      if (!this.l.a.needsGrad.has(node.id) || node.op === "param") continue;
      const isFusedOutput = fused !== null && node.id === this.l.outputId;
      const group = this.l.a.groupOf.get(node.id);
      if (group) {
        if (group.output === node)
          steps.push(
            this.denseBackward(group, fused?.id === group.preActivation.id),
          );
        continue;
      }
      if (isFusedOutput) continue;
      const step = this.opBackward(node);
      if (step) steps.push(step);
    }
    steps.push(...this.penaltyGradient());
    return steps;
  }

  private denseBackward(g: DenseGroup, seeded: boolean): Step {
    const [k, n] = this.l.a.node(g.matmul.inputs[1]!).shape as [number, number];
    const x = g.matmul.inputs[0]!;
    const kernelNode = this.l.a.node(g.matmul.inputs[1]!);
    const kernel = this.l.value(kernelNode.id, "train");
    const rows = this.l.rows(g.matmul);
    const dz = this.l.grad(g.preActivation.id);
    const body: string[] = [];
    if (!seeded) body.push(...this.preActivationGradient(g, rows, n, dz));
    if (g.bias && this.l.a.needsGrad.has(g.bias.inputs[1]!)) {
      const db = this.l.grad(g.bias.inputs[1]!);
      const op = this.assign(db);
      body.push(
        `for (let j = 0; j < ${n}; j++) {`,
        `let total = 0;`,
        `for (let r = 0; r < ${rows}; r++) total += ${dz}[r * ${n} + j];`,
        `${db}[j] ${op} total;`,
        `}`,
      );
    }
    if (this.l.a.isTrainableParam(kernelNode)) {
      const dw = this.l.grad(kernelNode.id);
      const accumulate = this.assign(dw) === "+=";
      body.push(
        `// ${dw} ${accumulate ? "+=" : "="} ${this.l.value(x, "train")}ᵀ · ${dz}`,
      );
      if (this.l.isSparse(x))
        body.push(...this.sparseWeightGradient(x, dz, dw, k, n, accumulate));
      else
        body.push(
          ...emitGemm({
            a: { buf: this.l.value(x, "train"), rowStride: 1, colStride: k },
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
    if (this.l.a.needsGrad.has(x)) {
      const dx = this.l.grad(x);
      const accumulate = this.assign(dx) === "+=";
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
    return {
      name: `${g.matmul.layer}_backward`,
      comment: `${g.matmul.layer}: gradients of ${g.output.id} w.r.t. its kernel, bias and input`,
      body,
    };
  }

  /** dW (=|+=) xᵀ · dz for CSR rows x: each non-zero (k, v) of row r scatter-adds v * dz[r] into row k of dW. */
  private sparseWeightGradient(
    x: string,
    dz: string,
    dw: string,
    k: number,
    n: number,
    accumulate: boolean,
  ): string[] {
    const { indptr, indices, values } = this.l.sparseBuffers(x);
    return [
      ...(accumulate
        ? []
        : [`for (let i = 0; i < ${k * n}; i++) ${dw}[i] = 0;`]),
      `for (let r = 0; r < batch; r++) {`,
      `const o = r * ${n};`,
      `for (let p = ${indptr}[r]; p < ${indptr}[r + 1]; p++) {`,
      `const row = ${indices}[p] * ${n};`,
      `const v = ${values}[p];`,
      `for (let j = 0; j < ${n}; j++) ${dw}[row + j] += v * ${dz}[o + j];`,
      `}`,
      `}`,
    ];
  }

  /** dz = dy (* dropout mask) (* act'(a)), the upstream gradient loaded once with the derivatives applied. */
  private preActivationGradient(
    g: DenseGroup,
    rows: string,
    n: number,
    dz: string,
  ): string[] {
    const dy = this.l.grad(g.output.id);
    const act = g.activation;
    if (!act && !g.dropout) return [];
    const mask = g.dropout ? ` * mask_${g.dropout.id}[i]` : "";
    const a = act ? this.l.value(act.id, "train") : "";
    if (act?.op === "softmax") {
      return [
        `for (let r = 0; r < ${rows}; r++) {`,
        `const o = r * ${n};`,
        `let dot = 0;`,
        `for (let j = 0; j < ${n}; j++) { const i = o + j; dot += ${dy}[i]${mask} * ${a}[i]; }`,
        `for (let j = 0; j < ${n}; j++) { const i = o + j; ${dz}[i] = ${a}[i] * (${dy}[i]${mask} - dot); }`,
        `}`,
      ];
    }
    if (act?.op === "step")
      throw new UnsupportedError(
        `layer "${act.layer}" uses step, which has no useful gradient: it cannot be trained through`,
      );
    const derivative = act
      ? ` * ${derivativeExpr(act.op, `${a}[i]`, `${this.l.value(g.preActivation.id, "train")}[i]`, Number(act.attrs.alpha ?? 0.2))}`
      : "";
    return [
      `for (let i = 0; i < ${rows} * ${n}; i++) ${dz}[i] = ${dy}[i]${mask}${derivative};`,
    ];
  }

  private opBackward(node: IRNode): Step | null {
    const dy = this.l.grad(node.id);
    const total = `batch * ${this.l.size(node.id)}`;
    const needs = (id: string) => this.l.a.needsGrad.has(id);
    const step = (what: string, body: string[]): Step => ({
      name: `${node.id}_backward`,
      comment: `${node.layer}: ${what}`,
      body,
    });
    const loop = (target: string, expr: string) =>
      `for (let i = 0; i < ${total}; i++) ${target}[i] ${this.assign(target)} ${expr};`;
    const [x, y] = [node.inputs[0] ?? "", node.inputs[1] ?? ""];
    const v = (id: string) => this.l.value(id, "train");
    switch (node.op) {
      case "input":
      case "reshape":
        return null;
      case "add":
      case "subtract":
      case "multiply": {
        const body: string[] = [];
        if (needs(x))
          body.push(
            loop(
              this.l.grad(x),
              node.op === "multiply" ? `${dy}[i] * ${v(y)}[i]` : `${dy}[i]`,
            ),
          );
        if (needs(y))
          body.push(
            loop(
              this.l.grad(y),
              node.op === "multiply"
                ? `${dy}[i] * ${v(x)}[i]`
                : node.op === "subtract"
                  ? `-${dy}[i]`
                  : `${dy}[i]`,
            ),
          );
        return step(`gradients of ${node.op}`, body);
      }
      case "biasAdd": {
        const width = this.l.lastDim(node.id);
        const body: string[] = [];
        if (needs(x)) body.push(loop(this.l.grad(x), `${dy}[i]`));
        if (needs(y)) {
          const db = this.l.grad(y);
          const op = this.assign(db);
          body.push(
            `for (let j = 0; j < ${width}; j++) {`,
            `let total = 0;`,
            `for (let r = 0; r < ${this.l.rows(node)}; r++) total += ${dy}[r * ${width} + j];`,
            `${db}[j] ${op} total;`,
            `}`,
          );
        }
        return step("gradients of the bias add", body);
      }
      case "step":
        throw new UnsupportedError(
          `layer "${node.layer}" uses step, which has no useful gradient: it cannot be trained through`,
        );
      case "sigmoid":
      case "tanh":
      case "relu":
      case "leakyRelu":
      case "exp":
      case "log": {
        if (!needs(x)) return null;
        const derivative = derivativeExpr(
          node.op,
          `${v(node.id)}[i]`,
          `${v(x)}[i]`,
          Number(node.attrs.alpha ?? 0.2),
        );
        return step(`d ${x} = d ${node.id} * ${node.op}'`, [
          loop(this.l.grad(x), `${dy}[i] * ${derivative}`),
        ]);
      }
      case "softmax": {
        if (!needs(x)) return null;
        const width = this.l.lastDim(node.id);
        const dx = this.l.grad(x);
        const op = this.assign(dx);
        return step(`d ${x} = softmax' · d ${node.id}`, [
          `for (let r = 0; r < ${this.l.rows(node)}; r++) {`,
          `const o = r * ${width};`,
          `let dot = 0;`,
          `for (let j = 0; j < ${width}; j++) dot += ${dy}[o + j] * ${v(node.id)}[o + j];`,
          `for (let j = 0; j < ${width}; j++) ${dx}[o + j] ${op} ${v(node.id)}[o + j] * (${dy}[o + j] - dot);`,
          `}`,
        ]);
      }
      case "dropout":
        return needs(x)
          ? step(`d ${x} = d ${node.id} * mask`, [
              loop(this.l.grad(x), `${dy}[i] * mask_${safeName(node.id)}[i]`),
            ])
          : null;
      case "concatenate":
        return step("gradients of concatenate", this.concatenateBackward(node));
      case "sum":
      case "mean":
        return needs(x)
          ? step(`gradient of ${node.op}`, this.reduceBackward(node))
          : null;
      case "matmul":
        return step("gradients of matmul", this.batchedMatmulBackward(node));
      default:
        throw new UnsupportedError(
          `op "${node.op}" of layer "${node.layer}" has no gradient kernel`,
        );
    }
  }

  private concatenateBackward(node: IRNode): string[] {
    const width = this.l.lastDim(node.id);
    const dy = this.l.grad(node.id);
    const lines = [];
    let offset = 0;
    for (const input of node.inputs) {
      const w = this.l.lastDim(input);
      if (this.l.a.needsGrad.has(input)) {
        const dx = this.l.grad(input);
        lines.push(
          `for (let r = 0; r < ${this.l.rows(node)}; r++) for (let j = 0; j < ${w}; j++) ${dx}[r * ${w} + j] ${this.assign(dx)} ${dy}[r * ${width} + ${offset} + j];`,
        );
      }
      offset += w;
    }
    return lines;
  }

  private reduceBackward(node: IRNode): string[] {
    const [outer, count, inner] = this.l.reduceDims(node);
    const dx = this.l.grad(node.inputs[0]!);
    const dy = this.l.grad(node.id);
    const scale = node.op === "mean" ? ` / ${count}` : "";
    const op = this.assign(dx);
    return [
      `for (let e = 0; e < batch * ${outer}; e++)`,
      `for (let a = 0; a < ${count}; a++)`,
      `for (let q = 0; q < ${inner}; q++) ${dx}[(e * ${count} + a) * ${inner} + q] ${op} ${dy}[e * ${inner} + q]${scale};`,
    ];
  }

  private batchedMatmulBackward(node: IRNode): string[] {
    const [aId, bId] = node.inputs as [string, string];
    const m = product(this.l.a.node(aId).shape.slice(0, -1));
    const [k, n] = this.l.a.node(bId).shape as [number, number];
    const dy = this.l.grad(node.id);
    const [a, b] = [this.l.value(aId, "train"), this.l.value(bId, "train")];
    const lines: string[] = [];
    if (this.l.a.needsGrad.has(aId)) {
      const da = this.l.grad(aId);
      const op = this.assign(da);
      lines.push(
        `for (let e = 0; e < batch; e++) for (let i = 0; i < ${m}; i++) for (let p = 0; p < ${k}; p++) {`,
        `let total = 0;`,
        `for (let j = 0; j < ${n}; j++) total += ${dy}[(e * ${m} + i) * ${n} + j] * ${b}[(e * ${k} + p) * ${n} + j];`,
        `${da}[(e * ${m} + i) * ${k} + p] ${op} total;`,
        `}`,
      );
    }
    if (this.l.a.needsGrad.has(bId)) {
      const db = this.l.grad(bId);
      const op = this.assign(db);
      lines.push(
        `for (let e = 0; e < batch; e++) for (let p = 0; p < ${k}; p++) for (let j = 0; j < ${n}; j++) {`,
        `let total = 0;`,
        `for (let i = 0; i < ${m}; i++) total += ${a}[(e * ${m} + i) * ${k} + p] * ${dy}[(e * ${m} + i) * ${n} + j];`,
        `${db}[(e * ${k} + p) * ${n} + j] ${op} total;`,
        `}`,
      );
    }
    return lines;
  }

  /** d/dw of l1*|w| + l2*w^2, added to the gradients; untouched weight gradients are zeroed. */
  private penaltyGradient(): Step[] {
    const body: string[] = [];
    for (const p of this.l.ir.params) {
      if (!p.trainable) continue;
      const d = `d_${p.name}`;
      if (!this.written.has(d))
        body.push(`for (let i = 0; i < ${product(p.shape)}; i++) ${d}[i] = 0;`);
      const r = p.regularizer;
      if (!r || !(r.l1 || r.l2)) continue;
      const terms = [
        r.l1 ? `${r.l1} * Math.sign(w)` : "",
        r.l2 ? `${2 * r.l2} * w` : "",
      ].filter(Boolean);
      body.push(
        `for (let i = 0; i < ${product(p.shape)}; i++) { const w = ${p.name}[i]; ${d}[i] += ${terms.join(" + ")}; }`,
      );
    }
    return body.length
      ? [
          {
            name: "penalty_gradient",
            comment:
              "weight penalties (L1, L2) and weights without a gradient path",
            body,
          },
        ]
      : [];
  }
}
