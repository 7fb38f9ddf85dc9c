// The loops over time of the generated recurrent layers (Keras' sigmoid and tanh), with every step's
// operands kept in the WebAssembly memory for the whole loop where the host allows it
// (resident-recurrence.ts), else one call of gemm and of a cell kernel per step (recurrence-loops.ts);
// the two give the same bits. Tapes are step-major: step t's rows for the whole batch are one block,
// from t·batch rows in.

import { ResidentRecurrence } from "./resident-recurrence";
import { lstmBackwardLoop, lstmForwardLoop, simpleRnnBackwardLoop, simpleRnnForwardLoop, walkGradients, project, type InputProjection, type WalkGradients } from "./recurrence-loops";

/** The gradients and the projection of the call under way (filled in place). */
const wanted: WalkGradients = { dKernel: null, dRecurrent: null, dBias: null, dx: null };
const projecting: InputProjection = { x: new Float32Array(0), kernel: new Float32Array(0), features: 0 };

let resident: ResidentRecurrence | null | undefined;

/** The resident loops for units that 4 divides, where the host has them; null for the per-step loops. */
function residentFor(units: number): ResidentRecurrence | null {
  if (units % 4 !== 0) return null;
  return (resident ??= ResidentRecurrence.create());
}

/**
 * An LSTM layer's steps forward: gates ([steps, batch, 4·units], i, f, c, o) holds every step's x·K,
 * or, given the input x (step-major, [steps·batch, features]) and the input kernel [features, 4·units],
 * the call computes it there first (in WebAssembly memory, where the host keeps the walk there); for
 * each step t, h_{t-1}·R is added to its block (not at t = 0), then the bias, the gate functions in
 * place (σ for i, f, o, tanh for c), c_t = f·c_{t-1} + i·g, tanh(c_t) and h_t = o·tanh(c_t) into the
 * step's blocks of c, actC and h ([steps, batch, units] each).
 */
export function lstmSequenceForward(
  gates: Float32Array,
  c: Float32Array,
  actC: Float32Array,
  h: Float32Array,
  recurrentKernel: Float32Array,
  bias: Float32Array | null,
  steps: number,
  batch: number,
  units: number,
  x: Float32Array | null = null,
  kernel: Float32Array | null = null,
  features = 0,
): void {
  const name = "lstmSequenceForward";
  checkShape(name, steps, batch, units);
  holds(name, "gates", gates, steps * batch * 4 * units);
  holds(name, "c", c, steps * batch * units);
  holds(name, "actC", actC, steps * batch * units);
  holds(name, "h", h, steps * batch * units);
  holds(name, "recurrentKernel", recurrentKernel, units * 4 * units);
  if (bias) holds(name, "bias", bias, 4 * units);
  const projection = wantedProjection(name, x, kernel, features, steps * batch, 4 * units);
  const fast = residentFor(units);
  if (fast) return fast.lstmForward(gates, c, actC, h, recurrentKernel, bias, steps, batch, units, projection);
  if (projection) project(projection, gates, steps * batch, 4 * units);
  lstmForwardLoop(gates, c, actC, h, recurrentKernel, bias, steps, batch, units);
}

/**
 * An LSTM layer's steps backward, from the last: dh and dc ([batch, units]) hold the gradients carried
 * into the last step; at each step t the cell's derivatives go to dz's block for t (laid out as the
 * gates), dc becomes the gradient carried to c_{t-1}, and dh = dz_t·Rᵀ the one carried to h_{t-1}
 * (not at t = 0). gates, actC and c are the forward pass's tapes. Given any of dKernel, dRecurrent,
 * dBias and dx, the call then computes them from dZ as walkGradients does (the h tape, the input x
 * step-major [steps·batch, features] and the input kernel [features, 4·units] read for them), while
 * dZ is still in WebAssembly memory where the host keeps it there; dz may then be null, when nothing
 * else wants dZ (the call keeps it to itself). With dz null, the gates tape may be spent: where it
 * lies in gemm's resident heap, dZ is made in its place.
 */
export function lstmSequenceBackward(
  gates: Float32Array,
  actC: Float32Array,
  c: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  dz: Float32Array | null,
  recurrentKernel: Float32Array,
  steps: number,
  batch: number,
  units: number,
  h: Float32Array | null = null,
  x: Float32Array | null = null,
  kernel: Float32Array | null = null,
  features = 0,
  dKernel: Float32Array | null = null,
  dRecurrent: Float32Array | null = null,
  dBias: Float32Array | null = null,
  dx: Float32Array | null = null,
): void {
  const name = "lstmSequenceBackward";
  checkShape(name, steps, batch, units);
  const [tape, gateTape, state] = [steps * batch * units, steps * batch * 4 * units, batch * units];
  holds(name, "gates", gates, gateTape);
  holds(name, "actC", actC, tape);
  holds(name, "c", c, tape);
  holds(name, "dh", dh, state);
  holds(name, "dc", dc, state);
  if (dz) holds(name, "dz", dz, gateTape);
  holds(name, "recurrentKernel", recurrentKernel, units * 4 * units);
  const inputs = { h, x, kernel, features };
  const gradients = afterTheWalk(name, dz, inputs, dKernel, dRecurrent, dBias, dx, steps * batch, units, 4 * units);
  const fast = residentFor(units);
  if (fast) return fast.lstmBackward(gates, actC, c, dh, dc, dz, recurrentKernel, steps, batch, units, h, x, kernel, features, gradients);
  loopThenGradients(dz, inputs, gradients, steps, batch, units, 4 * units, (tape) => lstmBackwardLoop(gates, actC, c, dh, dc, tape, recurrentKernel, steps, batch, units));
}

/**
 * A simpleRNN layer's steps forward (tanh): h ([steps, batch, units]) holds every step's x·K, or,
 * given the input x (step-major, [steps·batch, features]) and the input kernel [features, units], the
 * call computes it there first; for each step t, h_t = tanh(h_t + h_{t-1}·R + bias) in place (no h_{-1} term).
 */
export function simpleRnnSequenceForward(
  h: Float32Array,
  recurrentKernel: Float32Array,
  bias: Float32Array | null,
  steps: number,
  batch: number,
  units: number,
  x: Float32Array | null = null,
  kernel: Float32Array | null = null,
  features = 0,
): void {
  const name = "simpleRnnSequenceForward";
  checkShape(name, steps, batch, units);
  holds(name, "h", h, steps * batch * units);
  holds(name, "recurrentKernel", recurrentKernel, units * units);
  if (bias) holds(name, "bias", bias, units);
  const projection = wantedProjection(name, x, kernel, features, steps * batch, units);
  const fast = residentFor(units);
  if (fast) return fast.simpleRnnForward(h, recurrentKernel, bias, steps, batch, units, projection);
  if (projection) project(projection, h, steps * batch, units);
  simpleRnnForwardLoop(h, recurrentKernel, bias, steps, batch, units);
}

/**
 * A simpleRNN layer's steps backward (tanh), from the last: dh ([batch, units]) holds the gradient
 * carried into the last step; at each step t, dz_t = dh·(1 − h_t²) into dz's block, then dh = dz_t·Rᵀ
 * (not at t = 0). Given any of dKernel, dRecurrent, dBias and dx, the call then computes them from dZ
 * as walkGradients does (the input x step-major [steps·batch, features] and the input kernel
 * [features, units] read for them), while dZ is still in WebAssembly memory where the host keeps it
 * there; dz may then be null, when nothing else wants dZ (the call keeps it to itself).
 */
export function simpleRnnSequenceBackward(
  h: Float32Array,
  dh: Float32Array,
  dz: Float32Array | null,
  recurrentKernel: Float32Array,
  steps: number,
  batch: number,
  units: number,
  x: Float32Array | null = null,
  kernel: Float32Array | null = null,
  features = 0,
  dKernel: Float32Array | null = null,
  dRecurrent: Float32Array | null = null,
  dBias: Float32Array | null = null,
  dx: Float32Array | null = null,
): void {
  const name = "simpleRnnSequenceBackward";
  checkShape(name, steps, batch, units);
  holds(name, "h", h, steps * batch * units);
  holds(name, "dh", dh, batch * units);
  if (dz) holds(name, "dz", dz, steps * batch * units);
  holds(name, "recurrentKernel", recurrentKernel, units * units);
  const inputs = { h, x, kernel, features };
  const gradients = afterTheWalk(name, dz, inputs, dKernel, dRecurrent, dBias, dx, steps * batch, units, units);
  const fast = residentFor(units);
  if (fast) return fast.simpleRnnBackward(h, dh, dz, recurrentKernel, steps, batch, units, x, kernel, features, gradients);
  loopThenGradients(dz, inputs, gradients, steps, batch, units, units, (tape) => simpleRnnBackwardLoop(h, dh, tape, recurrentKernel, steps, batch, units));
}

/** The input projection asked for, checked (`projecting`, filled in), or null when x is not given. */
function wantedProjection(name: string, x: Float32Array | null, kernel: Float32Array | null, features: number, rows: number, width: number): InputProjection | null {
  if (!x) return null;
  if (!(Number.isInteger(features) && features >= 1)) throw new RangeError(`${name}: features must be a positive integer, got ${features}`);
  holds(name, "x", x, rows * features);
  holds(name, "kernel", kernel, features * width);
  projecting.x = x;
  projecting.kernel = kernel!;
  projecting.features = features;
  return projecting;
}

/** What the gradients after the walk read: the h tape, the input x step-major, the input kernel, the input's features. */
interface WalkInputs {
  readonly h: Float32Array | null;
  readonly x: Float32Array | null;
  readonly kernel: Float32Array | null;
  readonly features: number;
}

/** The gradients asked for after the walk, checked against what they read (`wanted`, filled in), or null when none is; dz may be null only with some. */
function afterTheWalk(
  name: string,
  dz: Float32Array | null,
  { h, x, kernel, features }: WalkInputs,
  dKernel: Float32Array | null,
  dRecurrent: Float32Array | null,
  dBias: Float32Array | null,
  dx: Float32Array | null,
  rows: number,
  units: number,
  width: number,
): WalkGradients | null {
  if (!dKernel && !dRecurrent && !dBias && !dx) {
    if (!dz) throw new TypeError(`${name}: dz must be a Float32Array unless the call computes dKernel, dRecurrent, dBias or dx`);
    return null;
  }
  if ((dKernel || dx) && !(Number.isInteger(features) && features >= 1)) throw new RangeError(`${name}: features must be a positive integer, got ${features}`);
  if (dRecurrent) {
    holds(name, "h", h, rows * units);
    holds(name, "dRecurrent", dRecurrent, units * width);
  }
  if (dKernel) {
    holds(name, "x", x, rows * features);
    holds(name, "dKernel", dKernel, features * width);
  }
  if (dBias) holds(name, "dBias", dBias, width);
  if (dx) {
    holds(name, "kernel", kernel, features * width);
    holds(name, "dx", dx, rows * features);
  }
  wanted.dKernel = dKernel;
  wanted.dRecurrent = dRecurrent;
  wanted.dBias = dBias;
  wanted.dx = dx;
  return wanted;
}

/** Where the resident walk cannot run: the per-step loop on dz (or on a tape of the call's own, where the caller wants none), then the gradients from it. */
function loopThenGradients(dz: Float32Array | null, inputs: WalkInputs, gradients: WalkGradients | null, steps: number, batch: number, units: number, width: number, loop: (dz: Float32Array) => void): void {
  const tape = dz ?? ownTape(steps * batch * width);
  loop(tape);
  if (gradients) walkGradients(inputs.h!, tape, inputs.x!, inputs.kernel!, steps, batch, units, width, inputs.features, gradients);
}

let kept = new Float32Array(0);

/** A dZ tape of the call's own where the caller wants none and the per-step loops run: kept from call to call, grown when too short. */
function ownTape(floats: number): Float32Array {
  if (kept.length < floats) kept = new Float32Array(floats);
  return kept;
}

function checkShape(name: string, steps: number, batch: number, units: number): void {
  positive(name, "steps", steps);
  positive(name, "batch", batch);
  positive(name, "units", units);
}

function positive(name: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${value}`);
}

/** Throws unless `array` is a Float32Array of `needed` floats or more (one call an array: a step's calls allocate nothing). */
function holds(name: string, what: string, array: Float32Array | null, needed: number): void {
  if (!(array instanceof Float32Array)) throw new TypeError(`${name}: ${what} must be a Float32Array`);
  if (array.length < needed) throw new RangeError(`${name}: ${what} holds ${array.length} floats, needs ${needed}`);
}
