// Facts about an IR graph that lowering needs: who reads each node, which nodes need gradients,
// and which node chains fuse into one dense kernel.

import type { GraphIR, IRNode } from "../dsl/ir";

export const ACTIVATION_OPS = new Set(["sigmoid", "tanh", "relu", "leakyRelu", "softmax", "step"]);

export interface DenseGroup {
  /** matmul(x, kernel) with the kernel a weight. */
  readonly matmul: IRNode;
  readonly bias: IRNode | null;
  readonly activation: IRNode | null;
  readonly dropout: IRNode | null;
  /** The node whose value leaves the group. */
  readonly output: IRNode;
  /** The node before the activation (the pre-activation z). */
  readonly preActivation: IRNode;
}

export class GraphAnalysis {
  readonly nodes: ReadonlyMap<string, IRNode>;
  readonly consumers: ReadonlyMap<string, readonly IRNode[]>;
  /** Nodes whose value depends on a trainable weight: the ones backward computes gradients for. */
  readonly needsGrad: ReadonlySet<string>;
  readonly groups: readonly DenseGroup[];
  /** The group each fused node belongs to. */
  readonly groupOf: ReadonlyMap<string, DenseGroup>;

  constructor(readonly ir: GraphIR) {
    this.nodes = new Map(ir.nodes.map((n) => [n.id, n]));
    const consumers = new Map<string, IRNode[]>(ir.nodes.map((n) => [n.id, []]));
    for (const node of ir.nodes) for (const input of node.inputs) consumers.get(input)!.push(node);
    this.consumers = consumers;
    this.needsGrad = this.findNeedsGrad();
    this.groups = this.findDenseGroups();
    const groupOf = new Map<string, DenseGroup>();
    for (const g of this.groups) for (const n of [g.matmul, g.bias, g.activation, g.dropout]) if (n) groupOf.set(n.id, g);
    this.groupOf = groupOf;
  }

  node(id: string): IRNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`IR: no node "${id}"`);
    return node;
  }

  isTrainableParam(node: IRNode): boolean {
    return node.op === "param" && this.ir.params.find((p) => p.name === node.attrs.param)!.trainable;
  }

  private findNeedsGrad(): Set<string> {
    const needs = new Set<string>();
    for (const node of this.ir.nodes) {
      if (this.isTrainableParam(node) || node.inputs.some((i) => needs.has(i))) needs.add(node.id);
    }
    return needs;
  }

  /** The only consumer of a node, when it has exactly one and it is of one of the given ops. */
  private soleConsumer(node: IRNode, ops: ReadonlySet<string>, layer: string | null): IRNode | null {
    const readers = this.consumers.get(node.id)!;
    const isOutput = this.ir.outputs.includes(node.id);
    if (isOutput || readers.length !== 1) return null;
    const reader = readers[0]!;
    const sameLayer = layer === null || reader.layer === layer;
    return ops.has(reader.op) && reader.inputs[0] === node.id && sameLayer ? reader : null;
  }

  private findDenseGroups(): DenseGroup[] {
    const groups: DenseGroup[] = [];
    for (const matmul of this.ir.nodes) {
      if (matmul.op !== "matmul" || this.node(matmul.inputs[1]!).op !== "param") continue;
      const bias = this.soleConsumer(matmul, new Set(["biasAdd"]), matmul.layer);
      const preActivation = bias ?? matmul;
      const activation = this.soleConsumer(preActivation, ACTIVATION_OPS, matmul.layer);
      const beforeDropout = activation ?? preActivation;
      const dropout = this.soleConsumer(beforeDropout, new Set(["dropout"]), null);
      groups.push({ matmul, bias, activation, dropout, preActivation, output: dropout ?? beforeDropout });
    }
    return groups;
  }
}
