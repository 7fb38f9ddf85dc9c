// Builds the Graph IR from symbolic tensors: walks back from the outputs, names every layer
// (dense, dense_1, ...) in the order data flows, and lists weights in Keras order.

import type { GraphIR, IRInput, IRLayer, IRNode, IRParam, IRTraining } from "./ir";
import { IR_FORMAT } from "./ir";
import type { Param } from "./param";
import type { Scope } from "./scope";
import { shapeText } from "./shapes";
import type { AnyTensor } from "./tensor";

export interface GraphSpec {
  readonly name: string;
  readonly inputs: readonly AnyTensor[];
  readonly outputs: readonly AnyTensor[];
  readonly training?: IRTraining | null;
  readonly seed?: number;
  /**
   * For a Module: its weights, then its layers, in property order. Their weights come first, in
   * this order, as Keras lists a subclassed model's own variables and then its tracked layers'.
   */
  readonly memberOrder?: readonly Scope[];
}

export const DEFAULT_SEED = 42;

/** Every tensor the outputs depend on, each after the tensors it reads. */
function topologicalOrder(outputs: readonly AnyTensor[]): AnyTensor[] {
  const order: AnyTensor[] = [];
  const seen = new Set<AnyTensor>();
  const visit = (t: AnyTensor) => {
    if (seen.has(t)) return;
    seen.add(t);
    if (t.origin.kind === "op") t.origin.inputs.forEach(visit);
    order.push(t);
  };
  outputs.forEach(visit);
  return order;
}

function scopeOf(t: AnyTensor): Scope {
  return t.origin.kind === "param" ? t.origin.param.owner : t.origin.scope;
}

/** Names scopes: the user's names first, then base names numbered in order of appearance. */
function nameScopes(scopes: readonly Scope[]): Map<Scope, string> {
  const names = new Map<Scope, string>();
  const taken = new Set<string>();
  for (const scope of scopes) {
    if (scope.fixedName === undefined) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(scope.fixedName)) {
      throw new Error(`model: layer name "${scope.fixedName}" must be an identifier (letters, digits, underscores)`);
    }
    if (taken.has(scope.fixedName)) throw new Error(`model: two layers are named "${scope.fixedName}"`);
    taken.add(scope.fixedName);
    names.set(scope, scope.fixedName);
  }
  const counters = new Map<string, number>();
  for (const scope of scopes) {
    if (names.has(scope)) continue;
    let count = counters.get(scope.baseName) ?? 0;
    let name: string;
    do name = count === 0 ? scope.baseName : `${scope.baseName}_${count}`, count++;
    while (taken.has(name));
    counters.set(scope.baseName, count);
    taken.add(name);
    names.set(scope, name);
  }
  return names;
}

function paramName(param: Param, names: Map<Scope, string>): string {
  const owner = names.get(param.owner)!;
  return param.localName ? `${owner}_${param.localName}` : owner;
}

const snake = (op: string) => op.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function checkInputs(inputs: readonly AnyTensor[], order: readonly AnyTensor[]): void {
  inputs.forEach((t, i) => {
    if (t.origin.kind !== "input") throw new Error(`model: inputs[${i}] is not an input(...) tensor`);
    if (inputs.indexOf(t) !== i) throw new Error(`model: inputs[${i}] is listed twice`);
  });
  for (const t of order) {
    if (t.origin.kind === "input" && !inputs.includes(t)) {
      throw new Error(`model: the output depends on an input of shape ${shapeText(t.shape)} that is not among the model's inputs`);
    }
  }
}

/** An input, a free-standing weight, or the last node of a layer call. */
function isLayerOutput(t: AnyTensor, scope: Scope, consumers: Map<AnyTensor, AnyTensor[]>): boolean {
  if (t.origin.kind === "input") return true;
  if (t.origin.kind === "param") return t.origin.param.owner.typeName === "Weight";
  return !(consumers.get(t) ?? []).some((c) => scopeOf(c) === scope);
}

/** Stable-sorts weights by their owner's place among the members; others keep data-flow order, after. */
function sortByMembers(params: IRParam[], members: readonly Scope[], names: Map<Scope, string>): void {
  const rank = new Map(members.map((scope, i) => [names.get(scope), i]));
  const order = params.map((p, i) => ({ p, key: rank.get(p.layer) ?? members.length, i }));
  order.sort((a, b) => a.key - b.key || a.i - b.i);
  order.forEach(({ p }, i) => (params[i] = p));
}

export function buildGraph(spec: GraphSpec): GraphIR {
  const { inputs, outputs } = spec;
  if (outputs.length === 0) throw new Error("model: needs at least one output");
  const order = topologicalOrder([...inputs, ...outputs]);
  checkInputs(inputs, order);

  const scopes = [...new Set([...inputs.map(scopeOf), ...order.map(scopeOf)])];
  const scopeNames = nameScopes(scopes);
  const consumers = new Map<AnyTensor, AnyTensor[]>();
  for (const t of order) if (t.origin.kind === "op") for (const i of t.origin.inputs) consumers.set(i, [...(consumers.get(i) ?? []), t]);

  const ids = new Map<AnyTensor, string>();
  const usedIds = new Set<string>();
  const unique = (base: string) => {
    let id = base;
    for (let n = 2; usedIds.has(id); n++) id = `${base}_${n}`;
    usedIds.add(id);
    return id;
  };
  const params: IRParam[] = [];
  const nodes: IRNode[] = [];
  const layerOutputs = new Map<Scope, (readonly number[])[]>();

  for (const t of order) {
    const scope = scopeOf(t);
    const layer = scopeNames.get(scope)!;
    if (t.origin.kind === "input") {
      ids.set(t, unique(layer));
      const attrs = { index: inputs.indexOf(t), sparse: t.origin.sparse };
      nodes.push({ id: ids.get(t)!, op: "input", inputs: [], shape: [...t.shape], dtype: t.dtype, attrs, layer });
    } else if (t.origin.kind === "param") {
      const p = t.origin.param;
      const name = paramName(p, scopeNames);
      if (params.some((q) => q.name === name)) {
        throw new Error(`model: two weights are named "${name}"; rename a layer or a weight so that their names differ`);
      }
      ids.set(t, unique(name));
      params.push({ name, shape: [...p.shape], initializer: p.initializer, trainable: p.trainable, regularizer: p.regularizer, layer });
      nodes.push({ id: ids.get(t)!, op: "param", inputs: [], shape: [...t.shape], dtype: "float32", attrs: { param: name }, layer });
    } else {
      const isFinal = isLayerOutput(t, scope, consumers);
      ids.set(t, unique(isFinal ? `${layer}_out` : `${layer}_${snake(t.origin.op)}`));
      const inputIds = t.origin.inputs.map((i) => ids.get(i)!);
      nodes.push({ id: ids.get(t)!, op: t.origin.op, inputs: inputIds, shape: [...t.shape], dtype: t.dtype, attrs: { ...t.origin.attrs }, layer });
    }
    if (isLayerOutput(t, scope, consumers)) layerOutputs.set(scope, [...(layerOutputs.get(scope) ?? []), [...t.shape]]);
  }

  const layers: IRLayer[] = scopes.map((scope) => {
    const name = scopeNames.get(scope)!;
    const inbound = new Set<string>();
    for (const t of order) {
      if (t.origin.kind !== "op" || scopeOf(t) !== scope) continue;
      for (const i of t.origin.inputs) if (i.origin.kind !== "param" && scopeOf(i) !== scope) inbound.add(scopeNames.get(scopeOf(i))!);
    }
    return {
      name,
      type: scope.typeName,
      outputShapes: layerOutputs.get(scope) ?? [],
      params: params.filter((p) => p.layer === name).map((p) => p.name),
      inbound: [...inbound],
    };
  });

  if (spec.memberOrder) sortByMembers(params, spec.memberOrder, scopeNames);

  const inputList: IRInput[] = inputs.map((t) => ({
    name: ids.get(t)!,
    node: ids.get(t)!,
    shape: [...t.shape],
    dtype: t.dtype,
    sparse: t.origin.kind === "input" && t.origin.sparse,
  }));

  return {
    format: IR_FORMAT,
    name: spec.name,
    inputs: inputList,
    outputs: outputs.map((t) => ids.get(t)!),
    params,
    nodes,
    layers,
    training: spec.training ?? null,
    seed: spec.seed ?? DEFAULT_SEED,
  };
}
