// Recognises the models the runtime can train with its fused WebAssembly step (runtime/dense-step):
// one float vector input, then a chain of Dense layers (matmul, optional biasAdd, optional relu or
// sigmoid) and nothing else, trained on the mean squared error, every weight trainable and
// unpenalised, and a step module small enough to compile synchronously.

import type { GraphIR, IRNode, IRParam } from "../../dsl/ir";
import { denseStackWeightSizes, type DenseStack, type DenseStackActivation, type DenseStackLayer } from "../../runtime/dense-step/dense-stack";
import { denseStepModule } from "../../runtime/dense-step/dense-step-module";
import { SYNC_COMPILE_LIMIT_BYTES } from "../../runtime/wasm/instantiate";
import { GraphAnalysis } from "../graph-analysis";

/**
 * A lower bound on the step module's size, to skip building modules that cannot fit (a large stack's
 * takes seconds and megabytes to build). The step is unrolled over the weights, loading each one (or
 * each vector of four) with an instruction of at least 4 bytes: a module has at least a byte per weight.
 */
export function denseStepModuleMinBytes(stack: DenseStack): number {
  return denseStackWeightSizes(stack).reduce((total, size) => total + size, 0);
}

const STACK_ACTIVATIONS: ReadonlySet<string> = new Set<DenseStackActivation>(["relu", "sigmoid"]);

interface LayerRead {
  readonly layer: DenseStackLayer;
  readonly weights: readonly string[];
  /** The index in the chain after the layer's nodes. */
  readonly next: number;
}

interface ChainLayers {
  readonly layers: DenseStackLayer[];
  /** The names of the weights the layers read, in the chain's order. */
  readonly weights: string[];
}

/** The model as a dense stack, or null when the fused step cannot train it. */
export function denseStackOf(ir: GraphIR): DenseStack | null {
  const inputs = floatVectorInput(ir);
  if (inputs === null || ir.training?.loss !== "meanSquaredError") return null;
  const analysis = new GraphAnalysis(ir);
  const chain = chainToOutput(analysis);
  const parsed = chain && chainLayers(analysis, chain, inputs);
  if (!parsed || parsed.layers.length === 0 || !weightsAreAllTrainedAndPlain(ir.params, parsed.weights)) return null;
  const stack: DenseStack = { inputs, layers: parsed.layers, loss: "meanSquaredError" };
  return compilesSynchronously(stack) ? stack : null;
}

/** The size of the model's only input when it is a dense float vector, else null. */
function floatVectorInput(ir: GraphIR): number | null {
  if (ir.inputs.length !== 1) return null;
  const input = ir.inputs[0]!;
  return input.dtype === "float32" && !input.sparse && input.shape.length === 1 ? input.shape[0]! : null;
}

/**
 * The nodes after the input up to the only output, each the only reader of the one before (as its
 * first argument), or null when the graph branches or holds any node off that path besides weights.
 */
function chainToOutput(analysis: GraphAnalysis): IRNode[] | null {
  const { ir } = analysis;
  if (ir.outputs.length !== 1) return null;
  const chain: IRNode[] = [];
  let node = analysis.node(ir.inputs[0]!.node);
  while (node.id !== ir.outputs[0]) {
    const readers = analysis.consumers.get(node.id)!;
    if (readers.length !== 1 || readers[0]!.inputs[0] !== node.id) return null;
    node = readers[0]!;
    chain.push(node);
  }
  const weightNodes = ir.nodes.filter((n) => n.op === "param").length;
  return 1 + chain.length + weightNodes === ir.nodes.length ? chain : null;
}

/** Reads the chain as Dense layers on `inputs` features, or null when it holds any other node. */
function chainLayers(analysis: GraphAnalysis, chain: readonly IRNode[], inputs: number): ChainLayers | null {
  const layers: DenseStackLayer[] = [];
  const weights: string[] = [];
  for (let at = 0, features = inputs; at < chain.length; ) {
    const read = denseLayerAt(analysis, chain, at, features);
    if (!read) return null;
    layers.push(read.layer);
    weights.push(...read.weights);
    at = read.next;
    features = read.layer.units;
  }
  return { layers, weights };
}

/** The Dense layer whose matmul is chain[at], its weights and the index after it; null if chain[at] starts none. */
function denseLayerAt(analysis: GraphAnalysis, chain: readonly IRNode[], at: number, features: number): LayerRead | null {
  const matmul = chain[at]!;
  // rank 1 here makes every layer's output, the model's included, a vector
  const units = matmul.op === "matmul" && matmul.shape.length === 1 ? matmul.shape[0]! : null;
  const kernel = units === null ? null : weightRead(analysis, matmul, [features, units]);
  if (units === null || !kernel) return null;
  let next = at + 1;
  const useBias = chain[next]?.op === "biasAdd";
  const bias = useBias ? weightRead(analysis, chain[next++]!, [units]) : null;
  if (useBias && !bias) return null;
  const activation = STACK_ACTIVATIONS.has(chain[next]?.op ?? "") ? (chain[next++]!.op as DenseStackActivation) : "linear";
  const layer: DenseStackLayer = { units, activation, useBias };
  return { layer, weights: bias ? [kernel.name, bias.name] : [kernel.name], next };
}

/** The weight a node reads as its second argument, when it has the given shape. */
function weightRead(analysis: GraphAnalysis, node: IRNode, shape: readonly number[]): IRParam | null {
  const source = node.inputs.length === 2 ? analysis.node(node.inputs[1]!) : null;
  if (source?.op !== "param") return null;
  const weight = analysis.ir.params.find((p) => p.name === source.attrs.param);
  return weight && sameShape(weight.shape, shape) ? weight : null;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The model's weights are exactly the chain's, in its order, each trainable and without a penalty. */
function weightsAreAllTrainedAndPlain(params: readonly IRParam[], chainWeights: readonly string[]): boolean {
  return params.length === chainWeights.length && params.every((p, i) => p.name === chainWeights[i] && p.trainable && p.regularizer === null);
}

function compilesSynchronously(stack: DenseStack): boolean {
  return denseStepModuleMinBytes(stack) < SYNC_COMPILE_LIMIT_BYTES && denseStepModule(stack).length < SYNC_COMPILE_LIMIT_BYTES;
}
