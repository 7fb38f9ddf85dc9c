// The loops over time of the generated recurrent layers (Keras' sigmoid and tanh), with every step's
// operands kept in the WebAssembly memory for the whole loop where the host allows it
// (resident-recurrence.ts), else one call of gemm and of a cell kernel per step (recurrence-loops.ts);
// the two give the same bits. Tapes are step-major: step t's rows for the whole batch are one block,
// from t·batch rows in.

import { ResidentRecurrence } from "./resident-recurrence";
import { lstmBackwardLoop, lstmForwardLoop, simpleRnnBackwardLoop, simpleRnnForwardLoop } from "./recurrence-loops";

let resident: ResidentRecurrence | null | undefined;

/** The resident loops for units that 4 divides, where the host has them; null for the per-step loops. */
function residentFor(units: number): ResidentRecurrence | null {
  if (units % 4 !== 0) return null;
  return (resident ??= ResidentRecurrence.create());
}

/**
 * An LSTM layer's steps forward: gates ([steps, batch, 4·units], i, f, c, o) holds every step's x·K;
 * for each step t, h_{t-1}·R is added to its block (not at t = 0), then the bias, the gate functions
 * in place (σ for i, f, o, tanh for c), c_t = f·c_{t-1} + i·g, tanh(c_t) and h_t = o·tanh(c_t) into
 * the step's blocks of c, actC and h ([steps, batch, units] each).
 */
export function lstmSequenceForward(gates: Float32Array, c: Float32Array, actC: Float32Array, h: Float32Array, recurrentKernel: Float32Array, bias: Float32Array | null, steps: number, batch: number, units: number): void {
  const name = "lstmSequenceForward";
  checkShape(name, steps, batch, units);
  checkHolds(name, { gates: [gates, steps * batch * 4 * units], c: [c, steps * batch * units], actC: [actC, steps * batch * units], h: [h, steps * batch * units], recurrentKernel: [recurrentKernel, units * 4 * units], ...(bias && { bias: [bias, 4 * units] }) });
  const fast = residentFor(units);
  if (fast) fast.lstmForward(gates, c, actC, h, recurrentKernel, bias, steps, batch, units);
  else lstmForwardLoop(gates, c, actC, h, recurrentKernel, bias, steps, batch, units);
}

/**
 * An LSTM layer's steps backward, from the last: dh and dc ([batch, units]) hold the gradients carried
 * into the last step; at each step t the cell's derivatives go to dz's block for t (laid out as the
 * gates), dc becomes the gradient carried to c_{t-1}, and dh = dz_t·Rᵀ the one carried to h_{t-1}
 * (not at t = 0). gates, actC and c are the forward pass's tapes.
 */
export function lstmSequenceBackward(gates: Float32Array, actC: Float32Array, c: Float32Array, dh: Float32Array, dc: Float32Array, dz: Float32Array, recurrentKernel: Float32Array, steps: number, batch: number, units: number): void {
  const name = "lstmSequenceBackward";
  checkShape(name, steps, batch, units);
  const [tape, gateTape, state] = [steps * batch * units, steps * batch * 4 * units, batch * units];
  checkHolds(name, { gates: [gates, gateTape], actC: [actC, tape], c: [c, tape], dh: [dh, state], dc: [dc, state], dz: [dz, gateTape], recurrentKernel: [recurrentKernel, units * 4 * units] });
  const fast = residentFor(units);
  if (fast) fast.lstmBackward(gates, actC, c, dh, dc, dz, recurrentKernel, steps, batch, units);
  else lstmBackwardLoop(gates, actC, c, dh, dc, dz, recurrentKernel, steps, batch, units);
}

/** A simpleRNN layer's steps forward (tanh): h ([steps, batch, units]) holds every step's x·K; for each step t, h_t = tanh(h_t + h_{t-1}·R + bias) in place (no h_{-1} term). */
export function simpleRnnSequenceForward(h: Float32Array, recurrentKernel: Float32Array, bias: Float32Array | null, steps: number, batch: number, units: number): void {
  const name = "simpleRnnSequenceForward";
  checkShape(name, steps, batch, units);
  checkHolds(name, { h: [h, steps * batch * units], recurrentKernel: [recurrentKernel, units * units], ...(bias && { bias: [bias, units] }) });
  const fast = residentFor(units);
  if (fast) fast.simpleRnnForward(h, recurrentKernel, bias, steps, batch, units);
  else simpleRnnForwardLoop(h, recurrentKernel, bias, steps, batch, units);
}

/** A simpleRNN layer's steps backward (tanh), from the last: dh ([batch, units]) holds the gradient carried into the last step; at each step t, dz_t = dh·(1 − h_t²) into dz's block, then dh = dz_t·Rᵀ (not at t = 0). */
export function simpleRnnSequenceBackward(h: Float32Array, dh: Float32Array, dz: Float32Array, recurrentKernel: Float32Array, steps: number, batch: number, units: number): void {
  const name = "simpleRnnSequenceBackward";
  checkShape(name, steps, batch, units);
  checkHolds(name, { h: [h, steps * batch * units], dh: [dh, batch * units], dz: [dz, steps * batch * units], recurrentKernel: [recurrentKernel, units * units] });
  const fast = residentFor(units);
  if (fast) fast.simpleRnnBackward(h, dh, dz, recurrentKernel, steps, batch, units);
  else simpleRnnBackwardLoop(h, dh, dz, recurrentKernel, steps, batch, units);
}

function checkShape(name: string, steps: number, batch: number, units: number): void {
  for (const [what, value] of [["steps", steps], ["batch", batch], ["units", units]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${value}`);
  }
}

function checkHolds(name: string, arrays: Record<string, [Float32Array, number]>): void {
  for (const [what, [array, needed]] of Object.entries(arrays)) {
    if (!(array instanceof Float32Array)) throw new TypeError(`${name}: ${what} must be a Float32Array`);
    if (array.length < needed) throw new RangeError(`${name}: ${what} holds ${array.length} floats, needs ${needed}`);
  }
}
