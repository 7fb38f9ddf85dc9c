// What the recurrent layers' reference rules share: their attributes, the weights of one example,
// the pre-activation x_t K + h_{t-1} R + b and its vector-Jacobian product, and the output (every
// step, or the last). Each layer's backward pass re-runs its forward steps to get the states it
// needs (clarity over speed: this is the reference).
//
// Masks (Keras' backend rnn): a padded step (mask 0, read at the input step it processes) carries
// the states before it over unchanged, and outputs them, or zeros with zeroOutputForMask; backward,
// it passes dh (and dc) straight to the step before and adds nothing to the weights' gradients.

import type { OpCall } from "../../interpreter/op-call";
import { row, rowStart } from "../../interpreter/tensor";
import { ACTIVATIONS, DEFAULT_ALPHA, type FunctionName } from "../activation-table";

export interface RecurrentAttrs {
  readonly units: number;
  readonly activation: FunctionName;
  readonly recurrentActivation: FunctionName;
  readonly returnSequences: boolean;
  readonly useBias: boolean;
  /** gru: the reset gate applies after the recurrent product, with separate input and recurrent biases. */
  readonly resetAfter: boolean;
  /** Process the steps last to first; the output (every step, or the last processed) is in processing order, as Keras'. */
  readonly goBackwards: boolean;
  /** A padded step outputs zeros instead of the state carried over it (Keras' zero_output_for_mask; Bidirectional with returnSequences). */
  readonly zeroOutputForMask: boolean;
}

export type Call = OpCall<RecurrentAttrs>;

/** The input step that processing step t reads. */
export const inputStep = (call: Call, t: number, steps: number) => (call.attrs.goBackwards ? steps - 1 - t : t);

/** Whether processing step t of example b is padding: its input step's mask is 0. */
export const isPadded = (call: Call, b: number, t: number, steps: number) => call.mask !== null && call.mask[b * steps + inputStep(call, t, steps)] === 0;

/** Whether the output at processing step t of example b is zero, not the state (a padded step with zeroOutputForMask). */
const outputsZero = (call: Call, b: number, t: number, steps: number) => call.attrs.zeroOutputForMask && isPadded(call, b, t, steps);

export const activate = (name: FunctionName, z: Float64Array, y: Float64Array, width: number) => ACTIVATIONS[name].forward(z, y, width, DEFAULT_ALPHA);
export const activationBackward = (name: FunctionName, z: Float64Array, y: Float64Array, dy: Float64Array, dz: Float64Array, width: number) =>
  ACTIVATIONS[name].backward(z, y, dy, dz, width, DEFAULT_ALPHA);

export interface Dims {
  readonly steps: number;
  readonly features: number;
  readonly units: number;
  /** Gates: 1 for simpleRNN, 4 for lstm. */
  readonly width: number;
}

export interface Weights {
  readonly kernel: Float64Array;
  readonly recurrent: Float64Array;
  readonly bias: Float64Array | null;
}

export function dims(call: Call, gates: number): Dims {
  const [steps, features] = call.argShapes[0] as [number, number];
  const units = call.attrs.units;
  return { steps, features, units, width: gates * units };
}

export function weights(call: Call, b: number): Weights {
  const [, kernel, recurrent, bias] = call.args;
  return { kernel: row(kernel!, b), recurrent: row(recurrent!, b), bias: call.attrs.useBias ? row(bias!, b) : null };
}


/** z = x_t K + h R + b, into z (width numbers). */
export function preActivation(d: Dims, w: Weights, x: Float64Array, t: number, h: Float64Array, z: Float64Array): void {
  for (let j = 0; j < d.width; j++) {
    let sum = w.bias ? w.bias[j]! : 0;
    for (let f = 0; f < d.features; f++) sum += x[t * d.features + f]! * w.kernel[f * d.width + j]!;
    for (let u = 0; u < d.units; u++) sum += h[u]! * w.recurrent[u * d.width + j]!;
    z[j] = sum;
  }
}

/** dK += x_tᵀ dz, dR += h_{t-1}ᵀ dz, db += dz, dx_t += dz Kᵀ; returns dz Rᵀ (the gradient of h_{t-1}). */
export function preActivationBackward(
  d: Dims,
  w: Weights,
  x: Float64Array,
  t: number,
  hPrev: Float64Array,
  dz: Float64Array,
  grads: { dx: Float64Array | null; dKernel: Float64Array | null; dRecurrent: Float64Array | null; dBias: Float64Array | null },
): Float64Array {
  const { dx, dKernel, dRecurrent, dBias } = grads;
  for (let j = 0; j < d.width; j++) {
    const g = dz[j]!;
    if (dBias) dBias[j]! += g;
    for (let f = 0; f < d.features; f++) {
      if (dKernel) dKernel[f * d.width + j]! += x[t * d.features + f]! * g;
      if (dx) dx[t * d.features + f]! += w.kernel[f * d.width + j]! * g;
    }
    if (dRecurrent) for (let u = 0; u < d.units; u++) dRecurrent[u * d.width + j]! += hPrev[u]! * g;
  }
  const dhPrev = new Float64Array(d.units);
  for (let u = 0; u < d.units; u++) {
    let sum = 0;
    for (let j = 0; j < d.width; j++) sum += dz[j]! * w.recurrent[u * d.width + j]!;
    dhPrev[u] = sum;
  }
  return dhPrev;
}

/** Writes h_t (or zeros, see outputsZero) into the output row: every step, or the last one. */
export function emit(call: Call, b: number, d: Dims, t: number, h: Float64Array): void {
  const out = row(call.out, b);
  const value = outputsZero(call, b, t, d.steps) ? new Float64Array(d.units) : h;
  if (call.attrs.returnSequences) out.set(value, t * d.units);
  else if (t === d.steps - 1) out.set(value);
}

/** The upstream gradient of h_t from the output (none where the output is zero). */
export function addOutputGradient(call: Call, dOut: Float64Array, b: number, d: Dims, t: number, dh: Float64Array): void {
  const start = rowStart(call.out, b);
  if (outputsZero(call, b, t, d.steps)) return;
  if (call.attrs.returnSequences) for (let u = 0; u < d.units; u++) dh[u]! += dOut[start + t * d.units + u]!;
  else if (t === d.steps - 1) for (let u = 0; u < d.units; u++) dh[u]! += dOut[start + u]!;
}

export function gradientViews(call: Call, dArgs: readonly (Float64Array | null)[], b: number) {
  const view = (i: number) => {
    const g = dArgs[i];
    if (!g) return null;
    const start = rowStart(call.args[i]!, b);
    return g.subarray(start, start + call.args[i]!.size);
  };
  return { dx: view(0), dKernel: view(1), dRecurrent: view(2), dBias: call.attrs.useBias ? view(3) : null };
}
