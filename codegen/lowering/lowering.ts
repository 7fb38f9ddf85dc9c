// Lowers the Graph IR to straight-line kernel code: forward (training and inference), the loss
// with its gradient seed, and backward. Each step is one fused loop nest with a comment naming the
// DSL op it computes; sizes are literals, only the batch is a variable.

import type { GraphIR, IRNode } from "../../dsl/ir";
import { GraphAnalysis, type DenseGroup } from "../graph-analysis";
import { BackwardPass } from "./backward-pass";
import { ForwardPass } from "./forward-pass";
import { LossPass } from "./loss-pass";

import {
  product,
  safeName,
  UnsupportedError,
  type BufferSpec,
  type Mode,
  type Step,
} from "./common";

const UNSUPPORTED = new Set([
  "embedding",
  "simpleRNN",
  "lstm",
  "batchNormalization",
  "layerNormalization",
]);

export class Lowering {
  readonly a: GraphAnalysis;

  constructor(readonly ir: GraphIR) {
    this.a = new GraphAnalysis(ir);
    for (const node of ir.nodes) {
      if (UNSUPPORTED.has(node.op))
        throw new UnsupportedError(
          `layer "${node.layer}" (${node.op}) is not supported by code generation yet`,
        );
      if (node.op === "input" && node.attrs.sparse) this.checkSparseInput(node);
    }
    if (ir.outputs.length !== 1)
      throw new UnsupportedError(
        "models with several outputs are not supported yet",
      );
    if (this.a.node(this.outputId).op === "dropout")
      throw new UnsupportedError(
        "the model's output is a dropout layer; put dropout before the last layer",
      );
  }

  /** A sparse input arrives as CSR rows; only dense layers (a matmul with a weight) can read it. */
  private checkSparseInput(node: IRNode): void {
    if (node.shape.length !== 1)
      throw new UnsupportedError(
        `sparse input "${node.id}" must have one dimension, got [${node.shape.join(", ")}]`,
      );
    for (const reader of this.a.consumers.get(node.id)!) {
      const isDense =
        reader.op === "matmul" &&
        reader.inputs[0] === node.id &&
        this.a.node(reader.inputs[1]!).op === "param";
      if (!isDense)
        throw new UnsupportedError(
          `sparse input "${node.id}" feeds ${reader.op} in layer "${reader.layer}"; a sparse input can only feed dense layers`,
        );
    }
    if (this.ir.outputs.includes(node.id))
      throw new UnsupportedError(
        `sparse input "${node.id}" cannot be the model's output`,
      );
  }

  isSparse(id: string): boolean {
    const node = this.a.node(id);
    return node.op === "input" && node.attrs.sparse === true;
  }

  /** The CSR buffers of a sparse input: row starts (batch + 1), column indices and values. */
  sparseBuffers(id: string): {
    indptr: string;
    indices: string;
    values: string;
  } {
    const base = safeName(id);
    return {
      indptr: `${base}_indptr`,
      indices: `${base}_indices`,
      values: `${base}_values`,
    };
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
    if (node.op === "reshape" || (node.op === "dropout" && mode === "infer"))
      return this.value(node.inputs[0]!, mode);
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

  buffers(): BufferSpec[] {
    const out: BufferSpec[] = [];
    const seen = new Set<string>();
    const push = (b: BufferSpec) => {
      if (!seen.has(b.name)) (out.push(b), seen.add(b.name));
    };
    for (const input of this.ir.inputs) {
      if (input.sparse) {
        const { indptr, indices, values } = this.sparseBuffers(input.node);
        // Row starts need batch + 1 entries; one extra per example covers it. Non-zeros: at most every feature.
        push({
          name: indptr,
          role: "input",
          perExample: 1,
          fixed: 1,
          dtype: "int32",
        });
        push({
          name: indices,
          role: "input",
          perExample: product(input.shape),
          fixed: null,
          dtype: "int32",
        });
        push({
          name: values,
          role: "input",
          perExample: product(input.shape),
          fixed: null,
          dtype: "float32",
        });
      } else
        push({
          name: safeName(input.node),
          role: "input",
          perExample: product(input.shape),
          fixed: null,
          dtype: input.dtype,
        });
    }
    for (const p of this.ir.params) {
      push({
        name: safeName(p.name),
        role: "param",
        perExample: null,
        fixed: product(p.shape),
        dtype: "float32",
      });
    }
    for (const p of this.ir.params)
      if (p.trainable)
        push({
          name: `d_${p.name}`,
          role: "grad",
          perExample: null,
          fixed: product(p.shape),
          dtype: "float32",
        });
    for (const node of this.ir.nodes) {
      if (node.op === "input" || node.op === "param" || node.op === "reshape")
        continue;
      push({
        name: safeName(node.id),
        role: "value",
        perExample: product(node.shape),
        fixed: null,
        dtype: node.dtype,
      });
      if (node.op === "dropout")
        push({
          name: `mask_${node.id}`,
          role: "mask",
          perExample: product(node.shape),
          fixed: null,
          dtype: "float32",
        });
    }
    for (const node of this.ir.nodes) {
      if (
        node.op === "param" ||
        node.op === "reshape" ||
        !this.a.needsGrad.has(node.id)
      )
        continue;
      push({
        name: this.grad(node.id),
        role: "dvalue",
        perExample: product(node.shape),
        fixed: null,
        dtype: "float32",
      });
    }
    push({
      name: "target",
      role: "target",
      perExample: this.targetSize(),
      fixed: null,
      dtype: "float32",
    });
    return out;
  }

  /** Target elements per example: class ids per row for sparse labels, else the output's size. */
  targetSize(): number {
    const size = this.size(this.outputId);
    return this.ir.training?.loss === "sparseCategoricalCrossentropy"
      ? size / this.lastDim(this.outputId)
      : size;
  }

  /** Splits the input's example shape into [outer, reduced, inner] around the axis. */
  reduceDims(node: IRNode): [number, number, number] {
    const shape = this.a.node(node.inputs[0]!).shape;
    const axis = node.attrs.axis;
    if (axis === null) return [1, product(shape), 1];
    const k = Number(axis);
    return [product(shape.slice(0, k)), shape[k]!, product(shape.slice(k + 1))];
  }

  /** The node whose gradient the loss writes directly, when softmax or sigmoid fuses with it. */
  fusedLossInput(): IRNode | null {
    const out = this.a.node(this.outputId);
    const loss = this.ir.training?.loss;
    const softmaxLoss =
      out.op === "softmax" &&
      (loss === "categoricalCrossentropy" ||
        loss === "sparseCategoricalCrossentropy");
    const sigmoidLoss = out.op === "sigmoid" && loss === "binaryCrossentropy";
    return softmaxLoss || sigmoidLoss ? this.a.node(out.inputs[0]!) : null;
  }

  forwardSteps(mode: Mode): Step[] {
    return new ForwardPass(this, mode).steps();
  }

  lossBody(): string[] {
    return new LossPass(this).body();
  }

  backwardSteps(): Step[] {
    return new BackwardPass(this).steps();
  }
}
