// Which nodes fuse into one product kernel: a node whose rule heads a product (a matmul with a
// weight), then, each the only reader of the one before, a bias stage and an activation stage of the
// same layer, and a mask stage (dropout). The rules say which stage an op is; nothing here names one.

import type { IRNode } from "../../dsl/ir";
import type { GraphAnalysis } from "../graph-analysis";
import type { FusionRole, OpRule } from "../ops/rule";

export interface FusedGroup {
  /** The product: matmul(x, kernel) with the kernel a weight. */
  readonly head: IRNode;
  readonly bias: IRNode | null;
  readonly activation: IRNode | null;
  readonly mask: IRNode | null;
  /** The node whose value leaves the group. */
  readonly output: IRNode;
  /** The node before the activation: the pre-activation z. */
  readonly preActivation: IRNode;
  /** The layer's name for z and its gradient when z is not the group's output: "dense_1_z" (a second call: "dense_1_z_2"). */
  readonly zName: string | null;
}

type RuleOf = (node: IRNode) => OpRule<unknown> | null;
type Stage = FusionRole<unknown>["stage"];

/** The only reader of a node, when it has exactly one, reads it first and fuses at `stage` (of the same layer, unless null). */
function soleReaderAt(analysis: GraphAnalysis, ruleOf: RuleOf, node: IRNode, stage: Stage, layer: string | null): IRNode | null {
  const readers = analysis.consumers.get(node.id)!;
  if (analysis.ir.outputs.includes(node.id) || readers.length !== 1) return null;
  const reader = readers[0]!;
  const fitsStage = ruleOf(reader)?.fusion?.stage === stage;
  return fitsStage && reader.inputs[0] === node.id && (layer === null || reader.layer === layer) ? reader : null;
}

/**
 * A layer's own name for something one of its nodes keeps: "dense_z", "batch_normalization_xhat".
 * The layer's later calls (nodes of the same op in the same layer) add "_2", "_3", ...
 */
export function layerLocal(nodes: readonly IRNode[], node: IRNode, what: string): string {
  const calls = nodes.filter((n) => n.layer === node.layer && n.op === node.op);
  const index = calls.indexOf(node);
  return `${node.layer}_${what}${index > 0 ? `_${index + 1}` : ""}`;
}

export function findFusedGroups(analysis: GraphAnalysis, ruleOf: RuleOf): FusedGroup[] {
  const groups: FusedGroup[] = [];
  const ids = new Set(analysis.ir.nodes.map((n) => n.id));
  for (const head of analysis.ir.nodes) {
    const rule = ruleOf(head);
    if (!rule?.headsProduct?.({ node: head, attrs: rule.attrs(head) }, analysis)) continue;
    const bias = soleReaderAt(analysis, ruleOf, head, "bias", head.layer);
    const preActivation = bias ?? head;
    const activation = soleReaderAt(analysis, ruleOf, preActivation, "activation", head.layer);
    const beforeMask = activation ?? preActivation;
    const mask = soleReaderAt(analysis, ruleOf, beforeMask, "mask", null);
    const output = mask ?? beforeMask;
    let zName: string | null = null;
    if (preActivation !== output) {
      zName = layerLocal(analysis.ir.nodes, head, "z");
      while (ids.has(zName)) zName += "_";
    }
    groups.push({ head, bias, activation, mask, preActivation, output, zName });
  }
  return groups;
}
