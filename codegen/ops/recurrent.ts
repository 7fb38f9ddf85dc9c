// simpleRNN and lstm: in the reference interpreter; code generation refuses them until
// backpropagation through time is generated.

import type { IRNode } from "../../dsl/ir";
import type { FunctionName } from "./activation-table";
import { lstmReference, simpleRnnReference, type RecurrentAttrs } from "./recurrent.reference";
import { booleanAttr, numberAttr, stringAttr, type OpRule } from "./rule";

const FUNCTIONS: readonly FunctionName[] = ["linear", "sigmoid", "tanh", "relu", "leakyRelu", "softmax", "step", "exp", "log"];

function recurrentAttrs(node: IRNode): RecurrentAttrs {
  return {
    units: numberAttr(node, "units"),
    activation: stringAttr(node, "activation", FUNCTIONS, "tanh"),
    recurrentActivation: stringAttr(node, "recurrentActivation", FUNCTIONS, "sigmoid"),
    returnSequences: booleanAttr(node, "returnSequences", false),
    useBias: booleanAttr(node, "useBias", true),
  };
}

const notGenerated = (op: string) => (n: { node: IRNode }) =>
  `layer "${n.node.layer}" (${op}) is not supported by code generation yet`;

export const simpleRNN: OpRule<RecurrentAttrs> = {
  attrs: recurrentAttrs,
  reference: simpleRnnReference,
  refuse: notGenerated("simpleRNN"),
  blocksGradient: ({ attrs }) => (attrs.activation === "step" ? "a step activation" : null),
};

export const lstm: OpRule<RecurrentAttrs> = {
  attrs: recurrentAttrs,
  reference: lstmReference,
  refuse: notGenerated("lstm"),
  blocksGradient: ({ attrs }) => (attrs.activation === "step" || attrs.recurrentActivation === "step" ? "a step activation" : null),
};
