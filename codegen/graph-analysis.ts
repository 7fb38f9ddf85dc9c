// Facts about an IR graph that lowering needs: who reads each node, and which nodes need gradients.

import type { GraphIR, IRNode } from "../dsl/ir";

export class GraphAnalysis {
  readonly nodes: ReadonlyMap<string, IRNode>;
  readonly consumers: ReadonlyMap<string, readonly IRNode[]>;
  /** Nodes whose value depends on a trainable weight: the ones backward computes gradients for. */
  readonly needsGrad: ReadonlySet<string>;

  constructor(readonly ir: GraphIR) {
    this.nodes = new Map(ir.nodes.map((n) => [n.id, n]));
    const consumers = new Map<string, IRNode[]>(ir.nodes.map((n) => [n.id, []]));
    for (const node of ir.nodes) for (const input of node.inputs) consumers.get(input)!.push(node);
    this.consumers = consumers;
    this.needsGrad = this.findNeedsGrad();
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
}
