// The float64 reference interpreter of the Graph IR: forward values, the compiled loss, and
// reverse-mode gradients by each op's plain reference rules (in its codegen/ops file). It is the
// oracle the generated kernels are tested against, so it favours plainness over speed.

import type { GraphIR, IRNode } from "../../dsl/ir";
import { bind } from "../ops/registry";
import type { OpRule } from "../ops/rule";
import { computeLoss } from "./losses";
import { RunMasks } from "./masks";
import type { OpCall, RunContext } from "./op-call";
import { addRegularizationGradients, regularizationPenalty } from "./regularization";
import { makeTensor, perExampleCopy, rowStart, sizeOf, zerosLike, type Tensor } from "./tensor";

export interface RunOptions {
  training: boolean;
  /** Dropout keep-masks (0/1 per element, batch*size) by dropout node id; required in training mode for every dropout node. */
  dropoutMasks?: ReadonlyMap<string, Float64Array>;
}

export interface GradientResult {
  /** lossValue of the batch. */
  loss: number;
  /** d loss / d weight for every trainable weight, by weight name. */
  grads: Map<string, Float64Array>;
  /** As forward() returns them. */
  values: Map<string, Float64Array>;
  /** batchNormalization in training: the new moving statistics, by weight name. */
  stateUpdates: Map<string, Float64Array>;
}

interface Run {
  readonly tensors: Map<string, Tensor>;
  readonly calls: Map<string, { rule: OpRule<unknown>; call: OpCall }>;
  readonly ctx: RunContext;
  readonly stateUpdates: Map<string, Float64Array>;
  readonly masks: RunMasks;
}

/** The weight a "param" node reads. */
const paramOf = (node: IRNode) => String(node.attrs.param);

function checkBatch(batch: number): void {
  if (!(Number.isInteger(batch) && batch > 0)) throw new Error(`interpreter: batch must be a positive integer, got ${batch}`);
}

function paramValue(ir: GraphIR, params: ReadonlyMap<string, Float64Array>, name: string): Float64Array {
  const p = ir.params.find((q) => q.name === name);
  const value = params.get(name);
  if (!p || !value) throw new Error(`interpreter: no value for weight "${name}"`);
  if (value.length !== sizeOf(p.shape)) {
    throw new Error(`interpreter: weight "${name}" of shape [${p.shape.join(", ")}] needs ${sizeOf(p.shape)} numbers, got ${value.length}`);
  }
  return value;
}

function inputValue(ir: GraphIR, node: IRNode, inputs: readonly (Float64Array | Int32Array)[], batch: number): Float64Array {
  const index = Number(node.attrs.index);
  const given = inputs[index];
  if (!given) throw new Error(`interpreter: the model has ${ir.inputs.length} inputs, got ${inputs.length}`);
  const expected = batch * sizeOf(node.shape);
  if (given.length !== expected) {
    throw new Error(`interpreter: input ${index} ("${node.id}", shape [${node.shape.join(", ")}]) needs ${expected} numbers for batch ${batch}, got ${given.length}`);
  }
  return Float64Array.from(given);
}

function context(ir: GraphIR, params: ReadonlyMap<string, Float64Array>, batch: number, options: RunOptions, stateUpdates: Map<string, Float64Array>): RunContext {
  const nodes = new Map(ir.nodes.map((n) => [n.id, n]));
  return {
    training: options.training,
    dropoutMask(node) {
      const mask = options.dropoutMasks?.get(node.id);
      const expected = batch * sizeOf(node.shape);
      if (!mask) throw new Error(`interpreter: dropout node "${node.id}" needs a keep-mask in training (options.dropoutMasks)`);
      if (mask.length !== expected) throw new Error(`interpreter: the mask of dropout node "${node.id}" needs ${expected} numbers, got ${mask.length}`);
      if (!mask.every((m) => m === 0 || m === 1)) throw new Error(`interpreter: the mask of dropout node "${node.id}" must hold only 0 and 1`);
      return mask;
    },
    paramName: (id) => paramOf(nodes.get(id)!),
    state: (name) => stateUpdates.get(name) ?? paramValue(ir, params, name),
    updateState: (name, value) => void stateUpdates.set(name, value),
  };
}

/** Whether a computed node's value is one row for the whole batch: it reads only such values, and its rule does not make it per example. */
function isShared(rule: OpRule<unknown>, node: IRNode, tensors: ReadonlyMap<string, Tensor>): boolean {
  return !rule.reference.perExample && node.inputs.every((id) => !tensors.get(id)!.perExample);
}

function run(ir: GraphIR, params: ReadonlyMap<string, Float64Array>, inputs: readonly (Float64Array | Int32Array)[], batch: number, options: RunOptions): Run {
  checkBatch(batch);
  if (inputs.length !== ir.inputs.length) throw new Error(`interpreter: the model has ${ir.inputs.length} inputs, got ${inputs.length}`);
  const stateUpdates = new Map<string, Float64Array>();
  const ctx = context(ir, params, batch, options, stateUpdates);
  const tensors = new Map<string, Tensor>();
  const calls = new Map<string, { rule: OpRule<unknown>; call: OpCall }>();
  const shapes = new Map(ir.nodes.map((n) => [n.id, n.shape]));
  const masks = new RunMasks(ir);
  for (const node of ir.nodes) {
    const size = sizeOf(node.shape);
    if (node.op === "input") {
      tensors.set(node.id, { data: inputValue(ir, node, inputs, batch), size, perExample: true });
    } else if (node.op === "param") {
      tensors.set(node.id, { data: paramValue(ir, params, paramOf(node)), size, perExample: false });
    } else {
      const { rule, op } = bind(node);
      const out = makeTensor(size, !isShared(rule, node, tensors), batch);
      const call: OpCall = {
        node,
        attrs: op.attrs,
        args: node.inputs.map((id) => tensors.get(id)!),
        argShapes: node.inputs.map((id) => shapes.get(id)!),
        out,
        rows: out.perExample ? batch : 1,
        batch,
        mask: masks.ofArguments(node.inputs),
      };
      rule.reference.forward(call, ctx);
      tensors.set(node.id, out);
      calls.set(node.id, { rule, call });
      masks.made(node.id, () => perExampleCopy(tensors.get(node.inputs[0]!)!, batch));
    }
  }
  return { tensors, calls, ctx, stateUpdates, masks };
}

/** Every node but the weights' "param" nodes (read those from params), as batch * size numbers. */
function publicValues(ir: GraphIR, tensors: ReadonlyMap<string, Tensor>, batch: number): Map<string, Float64Array> {
  const values = new Map<string, Float64Array>();
  for (const node of ir.nodes) if (node.op !== "param") values.set(node.id, perExampleCopy(tensors.get(node.id)!, batch));
  return values;
}

/**
 * Node values by node id, each a Float64Array of batch * product(shape), row-major, example-major.
 * The "param" nodes are left out: their values are the params. Integer inputs become float64;
 * sparse inputs are given as dense rows here.
 */
export function forward(
  ir: GraphIR,
  params: ReadonlyMap<string, Float64Array>,
  inputs: readonly (Float64Array | Int32Array)[],
  batch: number,
  options: RunOptions,
): Map<string, Float64Array> {
  return publicValues(ir, run(ir, params, inputs, batch, options).tensors, batch);
}

function outputNode(ir: GraphIR): IRNode {
  if (!ir.training) throw new Error(`interpreter: model "${ir.name}" is not compiled (no loss)`);
  if (ir.outputs.length !== 1) throw new Error(`interpreter: the loss needs exactly one output, the model has ${ir.outputs.length}`);
  return ir.nodes.find((n) => n.id === ir.outputs[0])!;
}

/**
 * Mean batch loss of the compiled loss (ir.training.loss) plus the regularisation penalty. Targets:
 * batch*outputSize floats, or batch*(outputSize/lastDim) class ids for sparseCategoricalCrossentropy.
 * An output carrying a mask (from the token ids in `values`) has its padded positions left out.
 */
export function lossValue(
  ir: GraphIR,
  values: ReadonlyMap<string, Float64Array>,
  targets: Float64Array,
  batch: number,
  params: ReadonlyMap<string, Float64Array>,
): number {
  checkBatch(batch);
  const out = outputNode(ir);
  const predictions = values.get(out.id);
  if (!predictions) throw new Error(`interpreter: no value for the output "${out.id}"`);
  const mask = new RunMasks(ir).ofOutput(values);
  return computeLoss(ir.training!.loss, out.shape, predictions, targets, batch, false, mask).value + regularizationPenalty(ir, params);
}


/** Whether the node's rule says no gradient passes it (a step function). */
function blocksGradient(node: IRNode): boolean {
  const { rule, op } = bind(node);
  return (rule.blocksGradient?.(op) ?? null) !== null;
}

/** The nodes on a path from a trainable weight to the output: the ones backward visits. */
function gradientPath(ir: GraphIR): Set<string> {
  const trainable = new Set(ir.params.filter((p) => p.trainable).map((p) => p.name));
  const fromWeights = new Set<string>();
  for (const node of ir.nodes) {
    const isTrainable = node.op === "param" && trainable.has(paramOf(node));
    if (isTrainable || (node.op !== "param" && node.inputs.some((id) => fromWeights.has(id)))) fromWeights.add(node.id);
  }
  const toOutput = new Set(ir.outputs);
  for (const node of [...ir.nodes].reverse()) if (toOutput.has(node.id)) node.inputs.forEach((id) => toOutput.add(id));
  const path = new Set([...fromWeights].filter((id) => toOutput.has(id)));
  for (const node of ir.nodes) {
    if (path.has(node.id) && node.op !== "param" && node.op !== "input" && blocksGradient(node)) {
      throw new Error(
        `gradients: node "${node.id}" (layer ${node.layer}) is a step function, which has no gradient, ` +
          `and trainable weights feed it; freeze them (trainable: false) or use sigmoid instead`,
      );
    }
  }
  return path;
}

/**
 * Reverse-mode gradients of lossValue with respect to every trainable weight (by weight name), by
 * plain per-op rules (no fusion); also the loss, the forward values and, for batchNormalization in
 * training, the updated moving statistics by weight name.
 */
export function gradients(
  ir: GraphIR,
  params: ReadonlyMap<string, Float64Array>,
  inputs: readonly (Float64Array | Int32Array)[],
  targets: Float64Array,
  batch: number,
  options: RunOptions,
): GradientResult {
  const out = outputNode(ir);
  const path = gradientPath(ir);
  const { tensors, calls, ctx, stateUpdates, masks } = run(ir, params, inputs, batch, options);
  const values = publicValues(ir, tensors, batch);
  const result = computeLoss(ir.training!.loss, out.shape, values.get(out.id)!, targets, batch, true, masks.ofOutput(values));

  const nodeGrads = new Map<string, Float64Array>();
  const gradOf = (id: string) => {
    let g = nodeGrads.get(id);
    if (!g) nodeGrads.set(id, (g = zerosLike(tensors.get(id)!)));
    return g;
  };
  if (path.has(out.id)) {
    const outTensor = tensors.get(out.id)!;
    const dOut = gradOf(out.id);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < outTensor.size; i++) dOut[rowStart(outTensor, b) + i]! += result.gradient![b * outTensor.size + i]!;
    }
  }
  for (const node of [...ir.nodes].reverse()) {
    const dOut = nodeGrads.get(node.id);
    if (!dOut || node.op === "param" || node.op === "input") continue;
    const dArgs = node.inputs.map((id) => (path.has(id) ? gradOf(id) : null));
    const { rule, call } = calls.get(node.id)!;
    rule.reference.backward(call, dOut, dArgs, ctx);
  }

  const grads = new Map<string, Float64Array>();
  for (const p of ir.params) if (p.trainable) grads.set(p.name, new Float64Array(sizeOf(p.shape)));
  for (const node of ir.nodes) {
    const g = nodeGrads.get(node.id);
    if (node.op === "param" && g && grads.has(paramOf(node))) grads.get(paramOf(node))!.set(g);
  }
  addRegularizationGradients(ir, params, grads);
  return { loss: result.value + regularizationPenalty(ir, params), grads, values, stateUpdates };
}
