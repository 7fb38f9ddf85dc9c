// Every computed op's rule. `OpRules` is a Record over the IR's ops, so an op without a rule is a
// type error; the passes and the interpreter reach an op only through here.

import type { IRNode } from "../../dsl/ir";
import { exp, leakyRelu, log, relu, sigmoid, softmax, step, tanh } from "./activations";
import { biasAdd } from "./bias-add";
import { concatenate } from "./concatenate";
import { dropout } from "./dropout";
import { add, multiply, subtract } from "./elementwise";
import { embedding } from "./embedding";
import { matmul } from "./matmul";
import { batchNormalization } from "./normalization/batch-normalization";
import { layerNormalization } from "./normalization/layer-normalization";
import { gru } from "./recurrent/gru";
import { lstm } from "./recurrent/lstm";
import { simpleRNN } from "./recurrent/simple-rnn";
import { mean, sum } from "./reduce";
import { reshape } from "./reshape";
import { reverse } from "./reverse";
import type { ComputedOp, OpNode, OpRule, OpRules } from "./rule";

export const OP_RULES: OpRules = {
  matmul,
  biasAdd,
  add,
  subtract,
  multiply,
  sigmoid,
  tanh,
  relu,
  leakyRelu,
  softmax,
  step,
  exp,
  log,
  concatenate,
  reshape,
  reverse,
  sum,
  mean,
  dropout,
  embedding,
  simpleRNN,
  lstm,
  gru,
  batchNormalization,
  layerNormalization,
};

export function isComputed(node: IRNode): boolean {
  return node.op !== "input" && node.op !== "param";
}

/** The rule of a computed node, or null for the graph's leaves. */
export function ruleOf(node: IRNode): OpRule<unknown> | null {
  return isComputed(node) ? OP_RULES[node.op as ComputedOp] : null;
}

/** A computed node with its attributes read by its rule. */
export function bind(node: IRNode): { rule: OpRule<unknown>; op: OpNode<unknown> } {
  const rule = OP_RULES[node.op as ComputedOp];
  if (!rule) throw new Error(`IR: unknown op "${node.op}" (node "${node.id}")`);
  return { rule, op: { node, attrs: rule.attrs(node) } };
}
