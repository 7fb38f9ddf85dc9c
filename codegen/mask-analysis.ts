// Which nodes carry a mask (Keras' _keras_mask): an embedding with maskZero makes one from its ids
// (1 where the id is a token, 0 where it is padding), and each node after it keeps it, ends it or
// refuses it, as its rule's masking hook says. The loss of a masked output leaves the padded
// positions out. Shared by code generation and the reference interpreter.

import type { GraphIR, IRNode } from "../dsl/ir";
import { UnsupportedError } from "./lowering/common";
import { bind, isComputed } from "./ops/registry";

/** The embedding whose mask a node carries, and the mask's axes (the shape of the embedding's ids). */
export interface MaskOrigin {
  readonly source: IRNode;
  readonly positions: readonly number[];
}

const describe = (source: IRNode) => `embedding "${source.layer}" (maskZero: true)`;

const REMEDY = "leave maskZero off, or let a recurrent layer without returnSequences consume the mask before it";

/** The mask each node's value carries, by node id (nodes carrying none are absent); throws naming the first layer that cannot take one. */
export function maskOrigins(ir: GraphIR): ReadonlyMap<string, MaskOrigin> {
  const nodes = new Map(ir.nodes.map((n) => [n.id, n]));
  const ctx = { node: (id: string) => nodes.get(id)! };
  const origins = new Map<string, MaskOrigin>();
  for (const node of ir.nodes) {
    if (!isComputed(node)) continue;
    const { rule, op } = bind(node);
    const args = node.inputs.flatMap((id, i) => (origins.has(id) ? [i] : []));
    if (args.length === 0) {
      if (rule.producesMask?.(op)) origins.set(node.id, { source: node, positions: node.shape.slice(0, -1) });
      continue;
    }
    const origin = origins.get(node.inputs[args[0]!]!)!;
    const sources = new Set(args.map((i) => origins.get(node.inputs[i]!)!.source));
    if (sources.size > 1) {
      throw new UnsupportedError(`layer "${node.layer}" (${node.op}) combines the masks of ${[...sources].map(describe).join(" and ")}, which is not supported`);
    }
    const use = rule.masking?.(op, { args, positions: origin.positions }, ctx) ?? { refused: "it has no masked form" };
    if (use === "keeps") origins.set(node.id, origin);
    else if (use !== "ends") throw new UnsupportedError(`layer "${node.layer}" (${node.op}) cannot take the mask of ${describe(origin.source)}: ${use.refused}; ${REMEDY}`);
  }
  return origins;
}

/**
 * The mask the model's output carries, which the loss and the metrics apply, or null. The loss
 * leaves out whole last-axis vectors, so a masked output has one more axis than the mask.
 */
export function outputMask(ir: GraphIR, origins: ReadonlyMap<string, MaskOrigin>): MaskOrigin | null {
  const output = ir.nodes.find((n) => n.id === ir.outputs[0]);
  const origin = output ? origins.get(output.id) : undefined;
  if (!output || !origin) return null;
  if (output.shape.length !== origin.positions.length + 1) {
    const shape = `[${output.shape.join(", ")}]`;
    const positions = `[${origin.positions.join(", ")}]`;
    throw new UnsupportedError(
      `the model's output (layer "${output.layer}", ${shape}) carries the mask of ${describe(origin.source)} over ${positions}; ` +
        `the loss leaves out whole last-axis vectors, so the output must be [${[...origin.positions, "C"].join(", ")}]`,
    );
  }
  return origin;
}
