// Lowers the Graph IR to straight-line kernel code: forward (training and inference), the loss
// with its gradient seed, and backward. Each step is one fused loop nest with a comment naming the
// DSL op it computes; sizes are literals, only the batch is a variable.

import type { GraphIR, IRNode } from "../dsl/ir";
import { GraphAnalysis, type DenseGroup } from "./graph-analysis";
import { activationExpr, derivativeExpr } from "./kernels/activations";
import { emitGemm } from "./kernels/gemm";

export type Mode = "train" | "infer";

export interface Step {
  /** The function's name in the generated module. */
  readonly name: string;
  /** What it computes, in terms of the model. */
  readonly comment: string;
  readonly body: readonly string[];
}

export interface BufferSpec {
  readonly name: string;
  readonly role: "input" | "param" | "grad" | "value" | "dvalue" | "mask" | "target";
  /** Elements per example (allocated for the largest batch), or null for weights. */
  readonly perExample: number | null;
  /** Elements of a weight. */
  readonly fixed: number | null;
  readonly dtype: "float32" | "int32";
}

export class UnsupportedError extends Error {}

const UNSUPPORTED = new Set(["embedding", "simpleRNN", "lstm", "batchNormalization", "layerNormalization"]);

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Names the kernels use for their own variables, and words that cannot name a variable. */
const RESERVED =
  /^(?:[a-z]|[wx][ijp]|s\d\d|k\d+_\d+|[ab]\d+|ar\d+|bc\d+|keep|max|total|dot|rowSum|scale|row|rng|batch|bufs|target|maxBatch|params|grads|inputs|output|Math|break|case|catch|class|const|continue|debugger|default|delete|do|else|enum|export|extends|false|finally|for|function|if|import|in|instanceof|new|null|return|super|switch|this|throw|true|try|typeof|var|void|while|with|yield|let|static|implements|interface|package|private|protected|public|await|arguments|eval|undefined|NaN|Infinity)$/;

/** A buffer name that clashes with none of the kernels' own variables. */
export function safeName(name: string): string {
  return RESERVED.test(name) ? `${name}_` : name;
}

export class Lowering {
  readonly a: GraphAnalysis;
  private readonly written = new Set<string>();

  constructor(readonly ir: GraphIR) {
    this.a = new GraphAnalysis(ir);
    for (const node of ir.nodes) {
      if (UNSUPPORTED.has(node.op)) throw new UnsupportedError(`layer "${node.layer}" (${node.op}) is not supported by code generation yet`);
      if (node.op === "input" && node.attrs.sparse) this.checkSparseInput(node);
    }
    if (ir.outputs.length !== 1) throw new UnsupportedError("models with several outputs are not supported yet");
    if (this.a.node(this.outputId).op === "dropout") throw new UnsupportedError("the model's output is a dropout layer; put dropout before the last layer");
  }

  /** A sparse input arrives as CSR rows; only dense layers (a matmul with a weight) can read it. */
  private checkSparseInput(node: IRNode): void {
    if (node.shape.length !== 1) throw new UnsupportedError(`sparse input "${node.id}" must have one dimension, got [${node.shape.join(", ")}]`);
    for (const reader of this.a.consumers.get(node.id)!) {
      const isDense = reader.op === "matmul" && reader.inputs[0] === node.id && this.a.node(reader.inputs[1]!).op === "param";
      if (!isDense) throw new UnsupportedError(`sparse input "${node.id}" feeds ${reader.op} in layer "${reader.layer}"; a sparse input can only feed dense layers`);
    }
    if (this.ir.outputs.includes(node.id)) throw new UnsupportedError(`sparse input "${node.id}" cannot be the model's output`);
  }

  isSparse(id: string): boolean {
    const node = this.a.node(id);
    return node.op === "input" && node.attrs.sparse === true;
  }

  /** The CSR buffers of a sparse input: row starts (batch + 1), column indices and values. */
  sparseBuffers(id: string): { indptr: string; indices: string; values: string } {
    const base = safeName(id);
    return { indptr: `${base}_indptr`, indices: `${base}_indices`, values: `${base}_values` };
  }

  get outputId(): string {
    return this.ir.outputs[0]!;
  }

  size(id: string): number {
    return product(this.a.node(id).shape);
  }

  /** Rows of a node seen as a matrix [rows, lastDim] over the batch. */
  rows(node: IRNode): string {
    const leading = product(node.shape.slice(0, -1));
    return leading === 1 ? "batch" : `batch * ${leading}`;
  }

  lastDim(id: string): number {
    const shape = this.a.node(id).shape;
    return shape.length === 0 ? 1 : shape[shape.length - 1]!;
  }

  /** The buffer holding a node's value: reshapes share their input's, as does dropout at inference. */
  value(id: string, mode: Mode): string {
    const node = this.a.node(id);
    if (node.op === "reshape" || (node.op === "dropout" && mode === "infer")) return this.value(node.inputs[0]!, mode);
    if (node.op === "param") return safeName(String(node.attrs.param));
    return safeName(id);
  }

  /** The buffer holding d loss / d node; reshapes share their input's. */
  grad(id: string): string {
    const node = this.a.node(id);
    if (node.op === "reshape") return this.grad(node.inputs[0]!);
    if (node.op === "param") return `d_${String(node.attrs.param)}`;
    return `d_${id}`;
  }

  /** "=" for the first write of a gradient buffer in backward, "+=" after. */
  private assign(buffer: string): "=" | "+=" {
    if (this.written.has(buffer)) return "+=";
    this.written.add(buffer);
    return "=";
  }

  buffers(): BufferSpec[] {
    const out: BufferSpec[] = [];
    const seen = new Set<string>();
    const push = (b: BufferSpec) => {
      if (!seen.has(b.name)) out.push(b), seen.add(b.name);
    };
    for (const input of this.ir.inputs) {
      if (input.sparse) {
        const { indptr, indices, values } = this.sparseBuffers(input.node);
        // Row starts need batch + 1 entries; one extra per example covers it. Non-zeros: at most every feature.
        push({ name: indptr, role: "input", perExample: 1, fixed: 1, dtype: "int32" });
        push({ name: indices, role: "input", perExample: product(input.shape), fixed: null, dtype: "int32" });
        push({ name: values, role: "input", perExample: product(input.shape), fixed: null, dtype: "float32" });
      } else push({ name: safeName(input.node), role: "input", perExample: product(input.shape), fixed: null, dtype: input.dtype });
    }
    for (const p of this.ir.params) {
      push({ name: safeName(p.name), role: "param", perExample: null, fixed: product(p.shape), dtype: "float32" });
    }
    for (const p of this.ir.params) if (p.trainable) push({ name: `d_${p.name}`, role: "grad", perExample: null, fixed: product(p.shape), dtype: "float32" });
    for (const node of this.ir.nodes) {
      if (node.op === "input" || node.op === "param" || node.op === "reshape") continue;
      push({ name: safeName(node.id), role: "value", perExample: product(node.shape), fixed: null, dtype: node.dtype });
      if (node.op === "dropout") push({ name: `mask_${node.id}`, role: "mask", perExample: product(node.shape), fixed: null, dtype: "float32" });
    }
    for (const node of this.ir.nodes) {
      if (node.op === "param" || node.op === "reshape" || !this.a.needsGrad.has(node.id)) continue;
      push({ name: this.grad(node.id), role: "dvalue", perExample: product(node.shape), fixed: null, dtype: "float32" });
    }
    push({ name: "target", role: "target", perExample: this.targetSize(), fixed: null, dtype: "float32" });
    return out;
  }

  /** Target elements per example: class ids per row for sparse labels, else the output's size. */
  targetSize(): number {
    const size = this.size(this.outputId);
    return this.ir.training?.loss === "sparseCategoricalCrossentropy" ? size / this.lastDim(this.outputId) : size;
  }

  // ---------------------------------------------------------------- forward

  forwardSteps(mode: Mode): Step[] {
    const steps: Step[] = [];
    for (const node of this.ir.nodes) {
      const group = this.a.groupOf.get(node.id);
      if (group) {
        if (group.matmul === node) steps.push(this.denseForward(group, mode));
        continue;
      }
      const step = this.opForward(node, mode);
      if (step) steps.push(step);
    }
    return steps;
  }

  private denseForward(g: DenseGroup, mode: Mode): Step {
    const x = g.matmul.inputs[0]!;
    const kernel = this.value(g.matmul.inputs[1]!, mode);
    const [k, n] = this.a.node(g.matmul.inputs[1]!).shape as [number, number];
    const bias = g.bias ? this.value(g.bias.inputs[1]!, mode) : null;
    const act = g.activation?.op ?? null;
    const alpha = Number(g.activation?.attrs.alpha ?? 0.2);
    const actOut = this.value((g.activation ?? g.preActivation).id, mode);
    const dropout = mode === "train" ? g.dropout : null;
    const out = dropout ? this.value(dropout.id, mode) : actOut;
    const elementwise = act !== null && act !== "softmax";
    const store = (value: string, _row: string, _col: string, at: string): string[] => {
      if (!elementwise) return [`${actOut}[${at}] = ${value};`];
      const lines = [`{`, `const z = ${value};`, `const a = ${activationExpr(act, "z", alpha)};`, `${actOut}[${at}] = a;`];
      if (dropout) lines.push(...this.dropoutStore(dropout, "a", at));
      return [...lines, "}"];
    };
    const body = this.isSparse(x)
      ? this.sparseProduct(x, kernel, actOut, n, bias, store)
      : emitGemm({
      a: { buf: this.value(x, mode), rowStride: k, colStride: 1 },
      b: { buf: kernel, rowStride: n, colStride: 1 },
      c: { buf: actOut, rowStride: n, colStride: 1 },
      m: this.rows(g.matmul),
      n,
      k,
      init: bias ? (col) => `${bias}[${col}]` : undefined,
      store,
    });
    if (act === "softmax") body.push(...this.softmaxRows(actOut, actOut, this.rows(g.matmul), n));
    if (dropout && !elementwise) body.push(...this.dropoutLoop(dropout, actOut, out));
    const what = `${act ?? "linear"}(${this.value(x, mode)} · ${kernel}${bias ? ` + ${bias}` : ""})${dropout ? `, then dropout(${dropout.attrs.rate})` : ""}`;
    return { name: `${g.matmul.layer}_forward${dropout ? "_train" : ""}`, comment: `${g.matmul.layer}: ${out} = ${what}; [${this.rows(g.matmul)} x ${k}] · [${k} x ${n}]`, body };
  }

  /**
   * y = x · W for CSR rows x: each row starts from the bias and adds, for each non-zero (k, v),
   * v times row k of W (a row gather); then the fused store (activation, dropout) runs per element.
   */
  private sparseProduct(x: string, kernel: string, out: string, n: number, bias: string | null, store: (v: string, r: string, c: string, at: string) => string[]): string[] {
    const { indptr, indices, values } = this.sparseBuffers(x);
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
    return [`const keep = rng.uniform() < ${rate} ? 0 : ${1 / (1 - rate)};`, `${mask}[${at}] = keep;`, `${safeName(dropout.id)}[${at}] = ${value} * keep;`];
  }

  private dropoutLoop(dropout: IRNode, from: string, to: string): string[] {
    const total = `batch * ${this.size(dropout.id)}`;
    return [`for (let i = 0; i < ${total}; i++) {`, ...this.dropoutStore(dropout, `${from}[i]`, "i").map((l) => l.replace(`${safeName(dropout.id)}[i]`, `${to}[i]`)), "}"];
  }

  /** y[row, :] = softmax(x[row, :]) for each row, stable (max subtracted). */
  private softmaxRows(x: string, y: string, rows: string, width: number): string[] {
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
    const v = (id: string) => this.value(id, mode);
    const total = `batch * ${this.size(node.id)}`;
    const [x, y] = [node.inputs[0] ?? "", node.inputs[1] ?? ""];
    const step = (what: string, body: string[]): Step => ({ name: `${node.id}_forward`, comment: `${node.layer}: ${node.id} = ${what}`, body });
    switch (node.op) {
      case "input":
      case "param":
      case "reshape":
        return null;
      case "add":
      case "subtract":
      case "multiply": {
        const sign = { add: "+", subtract: "-", multiply: "*" }[node.op];
        return step(`${v(x)} ${sign} ${v(y)}`, [`for (let i = 0; i < ${total}; i++) ${safeName(node.id)}[i] = ${v(x)}[i] ${sign} ${v(y)}[i];`]);
      }
      case "biasAdd": {
        const width = this.lastDim(node.id);
        return step(`${v(x)} + ${v(y)}`, [`for (let i = 0; i < ${total}; i++) ${safeName(node.id)}[i] = ${v(x)}[i] + ${v(y)}[i % ${width}];`]);
      }
      case "sigmoid":
      case "tanh":
      case "relu":
      case "leakyRelu":
      case "step":
      case "exp":
      case "log": {
        const expr = activationExpr(node.op, "z", Number(node.attrs.alpha ?? 0.2));
        return step(`${node.op}(${v(x)})`, [`for (let i = 0; i < ${total}; i++) { const z = ${v(x)}[i]; ${safeName(node.id)}[i] = ${expr}; }`]);
      }
      case "softmax":
        return step(`softmax(${v(x)})`, this.softmaxRows(v(x), safeName(node.id), this.rows(node), this.lastDim(node.id)));
      case "concatenate":
        return step(`concatenate(${node.inputs.map(v).join(", ")})`, this.concatenateForward(node, mode));
      case "sum":
      case "mean":
        return step(`${node.op}(${v(x)}, axis ${node.attrs.axis})`, this.reduceForward(node, mode));
      case "dropout":
        return { ...step(`dropout(${v(x)}, ${node.attrs.rate})`, this.dropoutLoop(node, v(x), safeName(node.id))), name: `${node.id}_forward_train` };
      case "matmul":
        return step(`${v(x)} · ${v(y)}`, this.batchedMatmulForward(node, mode));
      default:
        throw new UnsupportedError(`op "${node.op}" of layer "${node.layer}" has no kernel`);
    }
  }

  private concatenateForward(node: IRNode, mode: Mode): string[] {
    const width = this.lastDim(node.id);
    const lines = [`for (let r = 0; r < ${this.rows(node)}; r++) {`];
    let offset = 0;
    for (const input of node.inputs) {
      const w = this.lastDim(input);
      lines.push(`for (let j = 0; j < ${w}; j++) ${safeName(node.id)}[r * ${width} + ${offset} + j] = ${this.value(input, mode)}[r * ${w} + j];`);
      offset += w;
    }
    return [...lines, "}"];
  }

  /** Splits the input's example shape into [outer, reduced, inner] around the axis. */
  private reduceDims(node: IRNode): [number, number, number] {
    const shape = this.a.node(node.inputs[0]!).shape;
    const axis = node.attrs.axis;
    if (axis === null) return [1, product(shape), 1];
    const k = Number(axis);
    return [product(shape.slice(0, k)), shape[k]!, product(shape.slice(k + 1))];
  }

  private reduceForward(node: IRNode, mode: Mode): string[] {
    const [outer, count, inner] = this.reduceDims(node);
    const x = this.value(node.inputs[0]!, mode);
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
    const aShape = this.a.node(node.inputs[0]!).shape;
    const [k, n] = this.a.node(node.inputs[1]!).shape as [number, number];
    const m = product(aShape.slice(0, -1));
    const [a, b] = [this.value(node.inputs[0]!, mode), this.value(node.inputs[1]!, mode)];
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

  // ---------------------------------------------------------------- loss

  /** The node whose gradient the loss writes directly, when softmax or sigmoid fuses with it. */
  fusedLossInput(): IRNode | null {
    const out = this.a.node(this.outputId);
    const loss = this.ir.training?.loss;
    const softmaxLoss = out.op === "softmax" && (loss === "categoricalCrossentropy" || loss === "sparseCategoricalCrossentropy");
    const sigmoidLoss = out.op === "sigmoid" && loss === "binaryCrossentropy";
    return softmaxLoss || sigmoidLoss ? this.a.node(out.inputs[0]!) : null;
  }

  /** Body of loss(bufs, batch): the mean batch loss plus the weight penalties. */
  lossBody(): string[] {
    const loss = this.ir.training?.loss;
    if (!loss) throw new UnsupportedError("the model is not compiled (no loss)");
    const p = this.value(this.outputId, "train");
    const size = this.size(this.outputId);
    const width = this.lastDim(this.outputId);
    const lines = [`let total = 0;`];
    const clip = (v: string) => `Math.min(Math.max(${v}, 1e-7), 1 - 1e-7)`;
    switch (loss) {
      case "meanSquaredError":
        lines.push(`for (let i = 0; i < batch * ${size}; i++) { const d = ${p}[i] - target[i]; total += d * d; }`, `total /= batch * ${size};`);
        break;
      case "meanAbsoluteError":
        lines.push(`for (let i = 0; i < batch * ${size}; i++) total += Math.abs(${p}[i] - target[i]);`, `total /= batch * ${size};`);
        break;
      case "binaryCrossentropy":
        lines.push(
          `for (let i = 0; i < batch * ${size}; i++) {`,
          `const q = ${clip(`${p}[i]`)};`,
          `total -= target[i] * Math.log(q) + (1 - target[i]) * Math.log(1 - q);`,
          `}`,
          `total /= batch * ${size};`,
        );
        break;
      case "categoricalCrossentropy":
        lines.push(
          `for (let r = 0; r < batch * ${size / width}; r++) {`,
          `let rowSum = 0;`,
          `for (let j = 0; j < ${width}; j++) rowSum += ${p}[r * ${width} + j];`,
          `for (let j = 0; j < ${width}; j++) total -= target[r * ${width} + j] * Math.log(${clip(`${p}[r * ${width} + j] / rowSum`)});`,
          `}`,
          `total /= batch * ${size / width};`,
        );
        break;
      case "sparseCategoricalCrossentropy":
        lines.push(
          `for (let r = 0; r < batch * ${size / width}; r++) {`,
          `let rowSum = 0;`,
          `for (let j = 0; j < ${width}; j++) rowSum += ${p}[r * ${width} + j];`,
          `total -= Math.log(${clip(`${p}[r * ${width} + target[r]] / rowSum`)});`,
          `}`,
          `total /= batch * ${size / width};`,
        );
        break;
    }
    lines.push(...this.penaltyLines(), `return total;`);
    return lines;
  }

  private penaltyLines(): string[] {
    const lines: string[] = [];
    for (const p of this.ir.params) {
      if (!p.regularizer || !(p.regularizer.l1 || p.regularizer.l2)) continue;
      const terms = [p.regularizer.l1 ? `${p.regularizer.l1} * Math.abs(w)` : "", p.regularizer.l2 ? `${p.regularizer.l2} * w * w` : ""].filter(Boolean);
      lines.push(`for (let i = 0; i < ${product(p.shape)}; i++) { const w = ${p.name}[i]; total += ${terms.join(" + ")}; }`);
    }
    return lines;
  }

  /** The gradient of the mean batch loss w.r.t. the output (or the fused pre-activation). */
  private seedStep(): Step {
    const loss = this.ir.training!.loss;
    const p = this.value(this.outputId, "train");
    const size = this.size(this.outputId);
    const width = this.lastDim(this.outputId);
    const fused = this.fusedLossInput();
    const d = fused ? this.grad(fused.id) : this.grad(this.outputId);
    this.written.add(d);
    const body: string[] = [];
    const rows = `batch * ${size / width}`;
    if (fused && loss === "sparseCategoricalCrossentropy") {
      body.push(
        `const scale = 1 / (${rows});`,
        `for (let r = 0; r < ${rows}; r++) {`,
        `for (let j = 0; j < ${width}; j++) ${d}[r * ${width} + j] = ${p}[r * ${width} + j] * scale;`,
        `${d}[r * ${width} + target[r]] -= scale;`,
        `}`,
      );
    } else if (fused) {
      const count = loss === "binaryCrossentropy" ? `batch * ${size}` : rows;
      body.push(`const scale = 1 / (${count});`, `for (let i = 0; i < batch * ${size}; i++) ${d}[i] = (${p}[i] - target[i]) * scale;`);
    } else {
      body.push(...this.unfusedSeed(loss, p, d, size, width));
    }
    const what = fused ? `d loss / d ${fused.id} = (p - y) / count, ${this.a.node(this.outputId).op} fused with ${loss}` : `d ${loss} / d ${this.outputId}`;
    return { name: "loss_gradient", comment: what, body };
  }

  private unfusedSeed(loss: string, p: string, d: string, size: number, width: number): string[] {
    const total = `batch * ${size}`;
    const inRange = (q: string) => `(${q} > 1e-7 && ${q} < 1 - 1e-7 ? 1 : 0)`;
    switch (loss) {
      case "meanSquaredError":
        return [`const scale = 2 / (${total});`, `for (let i = 0; i < ${total}; i++) ${d}[i] = (${p}[i] - target[i]) * scale;`];
      case "meanAbsoluteError":
        return [`const scale = 1 / (${total});`, `for (let i = 0; i < ${total}; i++) ${d}[i] = Math.sign(${p}[i] - target[i]) * scale;`];
      case "binaryCrossentropy":
        return [
          `const scale = 1 / (${total});`,
          `for (let i = 0; i < ${total}; i++) {`,
          `const q = ${p}[i], y = target[i];`,
          `${d}[i] = ${inRange("q")} * (-y / q + (1 - y) / (1 - q)) * scale;`,
          `}`,
        ];
      default: {
        const rows = `batch * ${size / width}`;
        const label = (j: string) => (loss === "sparseCategoricalCrossentropy" ? `(target[r] === ${j} ? 1 : 0)` : `target[r * ${width} + ${j}]`);
        // L = -sum_j y_j log(clip(p_j / S)); dL/dp_k = (g_k - sum_j g_j q_j) / S with g_j = -y_j / q_j inside the clip.
        return [
          `const scale = 1 / (${rows});`,
          `for (let r = 0; r < ${rows}; r++) {`,
          `const o = r * ${width};`,
          `let rowSum = 0;`,
          `for (let j = 0; j < ${width}; j++) rowSum += ${p}[o + j];`,
          `let dot = 0;`,
          `for (let j = 0; j < ${width}; j++) { const q = ${p}[o + j] / rowSum; const g = ${inRange("q")} * -${label("j")} / q; ${d}[o + j] = g; dot += g * q; }`,
          `for (let j = 0; j < ${width}; j++) ${d}[o + j] = ((${d}[o + j] - dot) / rowSum) * scale;`,
          `}`,
        ];
      }
    }
  }

  // ---------------------------------------------------------------- backward

  backwardSteps(): Step[] {
    this.written.clear();
    const steps: Step[] = this.a.needsGrad.has(this.outputId) ? [this.seedStep()] : [];
    const fused = this.fusedLossInput();
    for (const node of [...this.ir.nodes].reverse()) {
      if (!this.a.needsGrad.has(node.id) || node.op === "param") continue;
      const isFusedOutput = fused !== null && node.id === this.outputId;
      const group = this.a.groupOf.get(node.id);
      if (group) {
        if (group.output === node) steps.push(this.denseBackward(group, fused?.id === group.preActivation.id));
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
    const [k, n] = this.a.node(g.matmul.inputs[1]!).shape as [number, number];
    const x = g.matmul.inputs[0]!;
    const kernelNode = this.a.node(g.matmul.inputs[1]!);
    const kernel = this.value(kernelNode.id, "train");
    const rows = this.rows(g.matmul);
    const dz = this.grad(g.preActivation.id);
    const body: string[] = [];
    if (!seeded) body.push(...this.preActivationGradient(g, rows, n, dz));
    if (g.bias && this.a.needsGrad.has(g.bias.inputs[1]!)) {
      const db = this.grad(g.bias.inputs[1]!);
      const op = this.assign(db);
      body.push(`for (let j = 0; j < ${n}; j++) {`, `let total = 0;`, `for (let r = 0; r < ${rows}; r++) total += ${dz}[r * ${n} + j];`, `${db}[j] ${op} total;`, `}`);
    }
    if (this.a.isTrainableParam(kernelNode)) {
      const dw = this.grad(kernelNode.id);
      const accumulate = this.assign(dw) === "+=";
      body.push(`// ${dw} ${accumulate ? "+=" : "="} ${this.value(x, "train")}ᵀ · ${dz}`);
      if (this.isSparse(x)) body.push(...this.sparseWeightGradient(x, dz, dw, k, n, accumulate));
      else body.push(
        ...emitGemm({
          a: { buf: this.value(x, "train"), rowStride: 1, colStride: k },
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
    if (this.a.needsGrad.has(x)) {
      const dx = this.grad(x);
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
    return { name: `${g.matmul.layer}_backward`, comment: `${g.matmul.layer}: gradients of ${g.output.id} w.r.t. its kernel, bias and input`, body };
  }

  /** dW (=|+=) xᵀ · dz for CSR rows x: each non-zero (k, v) of row r scatter-adds v * dz[r] into row k of dW. */
  private sparseWeightGradient(x: string, dz: string, dw: string, k: number, n: number, accumulate: boolean): string[] {
    const { indptr, indices, values } = this.sparseBuffers(x);
    return [
      ...(accumulate ? [] : [`for (let i = 0; i < ${k * n}; i++) ${dw}[i] = 0;`]),
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
  private preActivationGradient(g: DenseGroup, rows: string, n: number, dz: string): string[] {
    const dy = this.grad(g.output.id);
    const act = g.activation;
    if (!act && !g.dropout) return [];
    const mask = g.dropout ? ` * mask_${g.dropout.id}[i]` : "";
    const a = act ? this.value(act.id, "train") : "";
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
    if (act?.op === "step") throw new UnsupportedError(`layer "${act.layer}" uses step, which has no useful gradient: it cannot be trained through`);
    const derivative = act ? ` * ${derivativeExpr(act.op, `${a}[i]`, `${this.value(g.preActivation.id, "train")}[i]`, Number(act.attrs.alpha ?? 0.2))}` : "";
    return [`for (let i = 0; i < ${rows} * ${n}; i++) ${dz}[i] = ${dy}[i]${mask}${derivative};`];
  }

  private opBackward(node: IRNode): Step | null {
    const dy = this.grad(node.id);
    const total = `batch * ${this.size(node.id)}`;
    const needs = (id: string) => this.a.needsGrad.has(id);
    const step = (what: string, body: string[]): Step => ({ name: `${node.id}_backward`, comment: `${node.layer}: ${what}`, body });
    const loop = (target: string, expr: string) => `for (let i = 0; i < ${total}; i++) ${target}[i] ${this.assign(target)} ${expr};`;
    const [x, y] = [node.inputs[0] ?? "", node.inputs[1] ?? ""];
    const v = (id: string) => this.value(id, "train");
    switch (node.op) {
      case "input":
      case "reshape":
        return null;
      case "add":
      case "subtract":
      case "multiply": {
        const body: string[] = [];
        if (needs(x)) body.push(loop(this.grad(x), node.op === "multiply" ? `${dy}[i] * ${v(y)}[i]` : `${dy}[i]`));
        if (needs(y)) body.push(loop(this.grad(y), node.op === "multiply" ? `${dy}[i] * ${v(x)}[i]` : node.op === "subtract" ? `-${dy}[i]` : `${dy}[i]`));
        return step(`gradients of ${node.op}`, body);
      }
      case "biasAdd": {
        const width = this.lastDim(node.id);
        const body: string[] = [];
        if (needs(x)) body.push(loop(this.grad(x), `${dy}[i]`));
        if (needs(y)) {
          const db = this.grad(y);
          const op = this.assign(db);
          body.push(`for (let j = 0; j < ${width}; j++) {`, `let total = 0;`, `for (let r = 0; r < ${this.rows(node)}; r++) total += ${dy}[r * ${width} + j];`, `${db}[j] ${op} total;`, `}`);
        }
        return step("gradients of the bias add", body);
      }
      case "step":
        throw new UnsupportedError(`layer "${node.layer}" uses step, which has no useful gradient: it cannot be trained through`);
      case "sigmoid":
      case "tanh":
      case "relu":
      case "leakyRelu":
      case "exp":
      case "log": {
        if (!needs(x)) return null;
        const derivative = derivativeExpr(node.op, `${v(node.id)}[i]`, `${v(x)}[i]`, Number(node.attrs.alpha ?? 0.2));
        return step(`d ${x} = d ${node.id} * ${node.op}'`, [loop(this.grad(x), `${dy}[i] * ${derivative}`)]);
      }
      case "softmax": {
        if (!needs(x)) return null;
        const width = this.lastDim(node.id);
        const dx = this.grad(x);
        const op = this.assign(dx);
        return step(`d ${x} = softmax' · d ${node.id}`, [
          `for (let r = 0; r < ${this.rows(node)}; r++) {`,
          `const o = r * ${width};`,
          `let dot = 0;`,
          `for (let j = 0; j < ${width}; j++) dot += ${dy}[o + j] * ${v(node.id)}[o + j];`,
          `for (let j = 0; j < ${width}; j++) ${dx}[o + j] ${op} ${v(node.id)}[o + j] * (${dy}[o + j] - dot);`,
          `}`,
        ]);
      }
      case "dropout":
        return needs(x) ? step(`d ${x} = d ${node.id} * mask`, [loop(this.grad(x), `${dy}[i] * mask_${safeName(node.id)}[i]`)]) : null;
      case "concatenate":
        return step("gradients of concatenate", this.concatenateBackward(node));
      case "sum":
      case "mean":
        return needs(x) ? step(`gradient of ${node.op}`, this.reduceBackward(node)) : null;
      case "matmul":
        return step("gradients of matmul", this.batchedMatmulBackward(node));
      default:
        throw new UnsupportedError(`op "${node.op}" of layer "${node.layer}" has no gradient kernel`);
    }
  }

  private concatenateBackward(node: IRNode): string[] {
    const width = this.lastDim(node.id);
    const dy = this.grad(node.id);
    const lines = [];
    let offset = 0;
    for (const input of node.inputs) {
      const w = this.lastDim(input);
      if (this.a.needsGrad.has(input)) {
        const dx = this.grad(input);
        lines.push(`for (let r = 0; r < ${this.rows(node)}; r++) for (let j = 0; j < ${w}; j++) ${dx}[r * ${w} + j] ${this.assign(dx)} ${dy}[r * ${width} + ${offset} + j];`);
      }
      offset += w;
    }
    return lines;
  }

  private reduceBackward(node: IRNode): string[] {
    const [outer, count, inner] = this.reduceDims(node);
    const dx = this.grad(node.inputs[0]!);
    const dy = this.grad(node.id);
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
    const m = product(this.a.node(aId).shape.slice(0, -1));
    const [k, n] = this.a.node(bId).shape as [number, number];
    const dy = this.grad(node.id);
    const [a, b] = [this.value(aId, "train"), this.value(bId, "train")];
    const lines: string[] = [];
    if (this.a.needsGrad.has(aId)) {
      const da = this.grad(aId);
      const op = this.assign(da);
      lines.push(
        `for (let e = 0; e < batch; e++) for (let i = 0; i < ${m}; i++) for (let p = 0; p < ${k}; p++) {`,
        `let total = 0;`,
        `for (let j = 0; j < ${n}; j++) total += ${dy}[(e * ${m} + i) * ${n} + j] * ${b}[(e * ${k} + p) * ${n} + j];`,
        `${da}[(e * ${m} + i) * ${k} + p] ${op} total;`,
        `}`,
      );
    }
    if (this.a.needsGrad.has(bId)) {
      const db = this.grad(bId);
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
    for (const p of this.ir.params) {
      if (!p.trainable) continue;
      const d = `d_${p.name}`;
      if (!this.written.has(d)) body.push(`for (let i = 0; i < ${product(p.shape)}; i++) ${d}[i] = 0;`);
      const r = p.regularizer;
      if (!r || !(r.l1 || r.l2)) continue;
      const terms = [r.l1 ? `${r.l1} * Math.sign(w)` : "", r.l2 ? `${2 * r.l2} * w` : ""].filter(Boolean);
      body.push(`for (let i = 0; i < ${product(p.shape)}; i++) { const w = ${p.name}[i]; ${d}[i] += ${terms.join(" + ")}; }`);
    }
    return body.length ? [{ name: "penalty_gradient", comment: "weight penalties (L1, L2) and weights without a gradient path", body }] : [];
  }
}

