// Where the dense training step keeps everything in its module's memory (byte addresses):
//
//   [weights][grads][sums][finite][activations][input][target][output]
//
// grads mirror the weights (same order, same shapes). sums holds each gradient's f32x4 of per-lane
// sums, in the weights' order, before its lanes are added up; finite, the gradients' finiteness as
// the step stored them (so that the optimiser need not pass over them to check); activations, one layer's units for the
// sigmoid to transform in place (in whole steps of the sigmoid kernel). input, target and output hold `capacity`
// examples, a multiple of the step's four examples at a time. The memory is sized once, when the
// module is built, and never grows, so views of it stay valid for the model's life: the runtime
// keeps the weights and gradients there. A batch larger than the capacity runs in parts. Every
// region is followed by a vector's worth of slack, for the whole-vector stores that end a region.

import { STEP_FLOATS as SIGMOID_STEP_FLOATS } from "../activations/sigmoid-kernel";
import { denseStackOutputs, denseStackWeightSizes, type DenseStack, type DenseStackActivation } from "./dense-stack";

export const FLOAT_BYTES = 4;
export const VECTOR_BYTES = 16;
/** Examples per step of the loop: one per lane of an f32x4 vector. */
export const EXAMPLES_PER_VECTOR = VECTOR_BYTES / FLOAT_BYTES;
export const PAGE_BYTES = 65536;
/** The input, target and output regions share one page, which bounds the capacity. */
const BATCH_REGION_BYTES = PAGE_BYTES;

export interface DenseLayerLayout {
  readonly inputs: number;
  readonly units: number;
  readonly activation: DenseStackActivation;
  /** Byte address of the kernel, row-major [inputs, units]; its gradient is at kernel + gradsOffset. */
  readonly kernel: number;
  /** Byte address of the bias, or null without one. */
  readonly bias: number | null;
}

export interface DenseStepLayout {
  readonly layers: readonly DenseLayerLayout[];
  /** All weights' floats. */
  readonly weightFloats: number;
  /** From a weight's byte address to its gradient's. */
  readonly gradsOffset: number;
  readonly inputs: number;
  readonly outputs: number;
  /** Where each gradient's vector of per-lane sums goes (weight k's at sums + k · VECTOR_BYTES), in groups of four. */
  readonly sums: number;
  readonly sumGroups: number;
  /** Four floats whose sum is 0 when every stored gradient is finite, NaN otherwise (Σ g·0 over them). */
  readonly finite: number;
  /** A layer's units for the sigmoid kernel: unit u's vector at activations + u · VECTOR_BYTES. */
  readonly activations: number;
  /** Examples the input, target and output regions hold. */
  readonly capacity: number;
  readonly input: number;
  readonly target: number;
  readonly output: number;
  /** The memory's size in pages. */
  readonly pages: number;
}

/** Bytes for `floats` floats plus the slack, in whole vectors. */
const regionBytes = (floats: number): number => (Math.ceil(floats / EXAMPLES_PER_VECTOR) + 1) * VECTOR_BYTES;

export function denseStepLayout(stack: DenseStack): DenseStepLayout {
  let at = 0;
  let inputs = stack.inputs;
  const layers = stack.layers.map((layer): DenseLayerLayout => {
    const kernel = at;
    at += inputs * layer.units * FLOAT_BYTES;
    const bias = layer.useBias ? at : null;
    if (layer.useBias) at += layer.units * FLOAT_BYTES;
    const placed = { inputs, units: layer.units, activation: layer.activation, kernel, bias };
    inputs = layer.units;
    return placed;
  });
  const weightFloats = denseStackWeightSizes(stack).reduce((total, size) => total + size, 0);
  const gradsOffset = regionBytes(weightFloats);
  const outputs = denseStackOutputs(stack);
  const exampleBytes = (stack.inputs + 2 * outputs) * FLOAT_BYTES;
  const fitting = Math.floor((BATCH_REGION_BYTES - 3 * VECTOR_BYTES) / exampleBytes);
  const capacity = Math.max(EXAMPLES_PER_VECTOR, fitting - (fitting % EXAMPLES_PER_VECTOR));
  const sums = 2 * gradsOffset;
  const sumGroups = Math.ceil(weightFloats / EXAMPLES_PER_VECTOR);
  const finite = sums + sumGroups * EXAMPLES_PER_VECTOR * VECTOR_BYTES;
  const activations = finite + VECTOR_BYTES;
  const widest = Math.max(...stack.layers.map((layer) => layer.units));
  const input = activations + Math.ceil((widest * EXAMPLES_PER_VECTOR) / SIGMOID_STEP_FLOATS) * SIGMOID_STEP_FLOATS * FLOAT_BYTES;
  const target = input + regionBytes(capacity * stack.inputs);
  const output = target + regionBytes(capacity * outputs);
  const end = output + regionBytes(capacity * outputs);
  const pages = Math.ceil(end / PAGE_BYTES);
  return { layers, weightFloats, gradsOffset, inputs: stack.inputs, outputs, sums, sumGroups, finite, activations, capacity, input, target, output, pages };
}
