import type { GraphIR, IRNode } from "../../../dsl/index";

export const nodeById = (ir: GraphIR, id: string): IRNode => {
  const node = ir.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node "${id}" among ${ir.nodes.map((n) => n.id).join(", ")}`);
  return node;
};

export const nodesOf = (ir: GraphIR, op: string) => ir.nodes.filter((n) => n.op === op);

export const paramNamed = (ir: GraphIR, name: string) => {
  const param = ir.params.find((p) => p.name === name);
  if (!param) throw new Error(`no param "${name}" among ${ir.params.map((p) => p.name).join(", ")}`);
  return param;
};

/** The node that reads a weight: the "param" node whose attrs.param is `name`. */
export const paramNode = (ir: GraphIR, name: string) => {
  const node = ir.nodes.find((n) => n.op === "param" && n.attrs.param === name);
  if (!node) throw new Error(`no param node for "${name}"`);
  return node;
};

/** Names of the layers of a type, in IR order. */
export const layerNames = (ir: GraphIR, type: string) => ir.layers.filter((l) => l.type === type).map((l) => l.name);
