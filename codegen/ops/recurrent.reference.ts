// simpleRNN and lstm, forward and backward through time. The backward pass re-runs the forward
// steps of each example to get the states it needs (clarity over speed: this is the reference).
//
// simpleRNN: h_t = act(x_t K + h_{t-1} R + b), h_0 = 0.
// lstm (Keras gate order i, f, c, o in the 4U columns): z = x_t K + h_{t-1} R + b;
//   i = rec(z_i); f = rec(z_f); g = act(z_c); o = rec(z_o); c_t = f c_{t-1} + i g; h_t = o act(c_t).

import type { OpCall } from "../interpreter/op-call";
import { row, rowStart } from "../interpreter/tensor";
import { ACTIVATIONS, DEFAULT_ALPHA, type FunctionName } from "./activation-table";
import type { ReferenceRule } from "./rule";

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
}

type Call = OpCall<RecurrentAttrs>;

/** The input step that processing step t reads. */
const inputStep = (call: Call, t: number, steps: number) => (call.attrs.goBackwards ? steps - 1 - t : t);

const activate = (name: FunctionName, z: Float64Array, y: Float64Array, width: number) => ACTIVATIONS[name].forward(z, y, width, DEFAULT_ALPHA);
const activationBackward = (name: FunctionName, z: Float64Array, y: Float64Array, dy: Float64Array, dz: Float64Array, width: number) =>
  ACTIVATIONS[name].backward(z, y, dy, dz, width, DEFAULT_ALPHA);

interface Dims {
  readonly steps: number;
  readonly features: number;
  readonly units: number;
  /** Gates: 1 for simpleRNN, 4 for lstm. */
  readonly width: number;
}

interface Weights {
  readonly kernel: Float64Array;
  readonly recurrent: Float64Array;
  readonly bias: Float64Array | null;
}

function dims(call: Call, gates: number): Dims {
  const [steps, features] = call.argShapes[0] as [number, number];
  const units = call.attrs.units;
  return { steps, features, units, width: gates * units };
}

function weights(call: Call, b: number): Weights {
  const [, kernel, recurrent, bias] = call.args;
  return { kernel: row(kernel!, b), recurrent: row(recurrent!, b), bias: call.attrs.useBias ? row(bias!, b) : null };
}


/** z = x_t K + h R + b, into z (width numbers). */
function preActivation(d: Dims, w: Weights, x: Float64Array, t: number, h: Float64Array, z: Float64Array): void {
  for (let j = 0; j < d.width; j++) {
    let sum = w.bias ? w.bias[j]! : 0;
    for (let f = 0; f < d.features; f++) sum += x[t * d.features + f]! * w.kernel[f * d.width + j]!;
    for (let u = 0; u < d.units; u++) sum += h[u]! * w.recurrent[u * d.width + j]!;
    z[j] = sum;
  }
}

/** dK += x_tᵀ dz, dR += h_{t-1}ᵀ dz, db += dz, dx_t += dz Kᵀ; returns dz Rᵀ (the gradient of h_{t-1}). */
function preActivationBackward(
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

/** Writes h_t into the output row: every step, or the last one. */
function emit(call: Call, b: number, d: Dims, t: number, h: Float64Array): void {
  const out = row(call.out, b);
  if (call.attrs.returnSequences) out.set(h, t * d.units);
  else if (t === d.steps - 1) out.set(h);
}

/** The upstream gradient of h_t from the output. */
function addOutputGradient(call: Call, dOut: Float64Array, b: number, d: Dims, t: number, dh: Float64Array): void {
  const start = rowStart(call.out, b);
  if (call.attrs.returnSequences) for (let u = 0; u < d.units; u++) dh[u]! += dOut[start + t * d.units + u]!;
  else if (t === d.steps - 1) for (let u = 0; u < d.units; u++) dh[u]! += dOut[start + u]!;
}

function gradientViews(call: Call, dArgs: readonly (Float64Array | null)[], b: number) {
  const view = (i: number) => {
    const g = dArgs[i];
    if (!g) return null;
    const start = rowStart(call.args[i]!, b);
    return g.subarray(start, start + call.args[i]!.size);
  };
  return { dx: view(0), dKernel: view(1), dRecurrent: view(2), dBias: call.attrs.useBias ? view(3) : null };
}

// --- simpleRNN -------------------------------------------------------------------------------

interface RnnTrace {
  /** z[t]: pre-activations of step t. */
  readonly z: Float64Array[];
  /** h[t + 1]: the state after step t; h[0] = 0. */
  readonly h: Float64Array[];
}

function simpleRnnTrace(call: Call, b: number): RnnTrace {
  const d = dims(call, 1);
  const w = weights(call, b);
  const x = row(call.args[0]!, b);
  const act = call.attrs.activation;
  const trace: RnnTrace = { z: [], h: [new Float64Array(d.units)] };
  for (let t = 0; t < d.steps; t++) {
    const z = new Float64Array(d.units);
    const h = new Float64Array(d.units);
    preActivation(d, w, x, inputStep(call, t, d.steps), trace.h[t]!, z);
    activate(act, z, h, d.units);
    trace.z.push(z);
    trace.h.push(h);
  }
  return trace;
}

function simpleRnnForward(call: Call): void {
  const d = dims(call, 1);
  for (let b = 0; b < call.rows; b++) {
    const trace = simpleRnnTrace(call, b);
    for (let t = 0; t < d.steps; t++) emit(call, b, d, t, trace.h[t + 1]!);
  }
}

function simpleRnnBackward(call: Call, dOut: Float64Array, dArgs: readonly (Float64Array | null)[]): void {
  const d = dims(call, 1);
  const act = call.attrs.activation;
  for (let b = 0; b < call.rows; b++) {
    const trace = simpleRnnTrace(call, b);
    const w = weights(call, b);
    const x = row(call.args[0]!, b);
    const grads = gradientViews(call, dArgs, b);
    let dh: Float64Array = new Float64Array(d.units);
    for (let t = d.steps - 1; t >= 0; t--) {
      addOutputGradient(call, dOut, b, d, t, dh);
      const dz = new Float64Array(d.units);
      activationBackward(act, trace.z[t]!, trace.h[t + 1]!, dh, dz, d.units);
      dh = preActivationBackward(d, w, x, inputStep(call, t, d.steps), trace.h[t]!, dz, grads);
    }
  }
}

// --- lstm ------------------------------------------------------------------------------------

interface LstmTrace {
  /** z[t]: the 4U pre-activations of step t. */
  readonly z: Float64Array[];
  /** gates[t]: i, f, g (the candidate), o after their activations. */
  readonly gates: Float64Array[];
  /** c[t + 1], h[t + 1]: the states after step t; c[0] = h[0] = 0. */
  readonly c: Float64Array[];
  readonly h: Float64Array[];
  /** act(c[t + 1]). */
  readonly actC: Float64Array[];
}

/** The views of gate k (0 i, 1 f, 2 c, 3 o) in a 4U vector. */
const gate = (v: Float64Array, k: number, units: number) => v.subarray(k * units, (k + 1) * units);

function lstmTrace(call: Call, b: number): LstmTrace {
  const d = dims(call, 4);
  const w = weights(call, b);
  const x = row(call.args[0]!, b);
  const act = call.attrs.activation;
  const rec = call.attrs.recurrentActivation;
  const U = d.units;
  const trace: LstmTrace = { z: [], gates: [], c: [new Float64Array(U)], h: [new Float64Array(U)], actC: [] };
  for (let t = 0; t < d.steps; t++) {
    const z = new Float64Array(d.width);
    const gates = new Float64Array(d.width);
    preActivation(d, w, x, inputStep(call, t, d.steps), trace.h[t]!, z);
    for (const k of [0, 1, 3]) activate(rec, gate(z, k, U), gate(gates, k, U), U);
    activate(act, gate(z, 2, U), gate(gates, 2, U), U);
    const [i, f, g, o] = [0, 1, 2, 3].map((k) => gate(gates, k, U)) as [Float64Array, Float64Array, Float64Array, Float64Array];
    const cPrev = trace.c[t]!;
    const c = new Float64Array(U);
    for (let u = 0; u < U; u++) c[u] = f[u]! * cPrev[u]! + i[u]! * g[u]!;
    const actC = new Float64Array(U);
    activate(act, c, actC, U);
    const h = new Float64Array(U);
    for (let u = 0; u < U; u++) h[u] = o[u]! * actC[u]!;
    trace.z.push(z);
    trace.gates.push(gates);
    trace.c.push(c);
    trace.actC.push(actC);
    trace.h.push(h);
  }
  return trace;
}

function lstmForward(call: Call): void {
  const d = dims(call, 4);
  for (let b = 0; b < call.rows; b++) {
    const trace = lstmTrace(call, b);
    for (let t = 0; t < d.steps; t++) emit(call, b, d, t, trace.h[t + 1]!);
  }
}

function lstmBackward(call: Call, dOut: Float64Array, dArgs: readonly (Float64Array | null)[]): void {
  const d = dims(call, 4);
  const U = d.units;
  const act = call.attrs.activation;
  const rec = call.attrs.recurrentActivation;
  for (let b = 0; b < call.rows; b++) {
    const trace = lstmTrace(call, b);
    const w = weights(call, b);
    const x = row(call.args[0]!, b);
    const grads = gradientViews(call, dArgs, b);
    let dh: Float64Array = new Float64Array(U);
    let dc: Float64Array = new Float64Array(U);
    for (let t = d.steps - 1; t >= 0; t--) {
      addOutputGradient(call, dOut, b, d, t, dh);
      const gates = trace.gates[t]!;
      const [i, f, g, o] = [0, 1, 2, 3].map((k) => gate(gates, k, U)) as [Float64Array, Float64Array, Float64Array, Float64Array];
      const actC = trace.actC[t]!;
      const cPrev = trace.c[t]!;
      // h = o * act(c)
      const dGates = new Float64Array(d.width);
      const dActC = new Float64Array(U);
      for (let u = 0; u < U; u++) {
        dGates[3 * U + u] = dh[u]! * actC[u]!;
        dActC[u] = dh[u]! * o[u]!;
      }
      activationBackward(act, trace.c[t + 1]!, actC, dActC, dc, U);
      // c = f * cPrev + i * g
      const dcPrev = new Float64Array(U);
      for (let u = 0; u < U; u++) {
        dGates[u] = dc[u]! * g[u]!;
        dGates[U + u] = dc[u]! * cPrev[u]!;
        dGates[2 * U + u] = dc[u]! * i[u]!;
        dcPrev[u] = dc[u]! * f[u]!;
      }
      const dz = new Float64Array(d.width);
      const z = trace.z[t]!;
      for (const k of [0, 1, 3]) activationBackward(rec, gate(z, k, U), gate(gates, k, U), gate(dGates, k, U), gate(dz, k, U), U);
      activationBackward(act, gate(z, 2, U), gate(gates, 2, U), gate(dGates, 2, U), gate(dz, 2, U), U);
      dh = preActivationBackward(d, w, x, inputStep(call, t, d.steps), trace.h[t]!, dz, grads);
      dc = dcPrev;
    }
  }
}

export const simpleRnnReference: ReferenceRule<RecurrentAttrs> = { forward: simpleRnnForward, backward: simpleRnnBackward };
export const lstmReference: ReferenceRule<RecurrentAttrs> = { forward: lstmForward, backward: lstmBackward };

// --- gru -------------------------------------------------------------------------------------
//
// Gates z, r, h in the 3U columns. resetAfter: xk = x_t K + b_in, hr = h_{t-1} R + b_rec;
//   z = rec(xk_z + hr_z), r = rec(xk_r + hr_r), h~ = act(xk_h + r hr_h).
// Otherwise: xk = x_t K + b; z, r as above without b_rec; h~ = act(xk_h + (r h_{t-1}) R_h).
// Both: h_t = z h_{t-1} + (1 - z) h~.

interface GruStep {
  /** Pre-activations and values of z, r and h~ (U each). */
  readonly zPre: Float64Array;
  readonly z: Float64Array;
  readonly rPre: Float64Array;
  readonly r: Float64Array;
  readonly hPre: Float64Array;
  readonly hh: Float64Array;
  /** resetAfter: h_{t-1} R_h + b_rec_h; otherwise r h_{t-1}. */
  readonly inner: Float64Array;
}

interface GruWeights {
  readonly kernel: Float64Array;
  readonly recurrent: Float64Array;
  readonly inputBias: Float64Array | null;
  readonly recurrentBias: Float64Array | null;
}

function gruWeights(call: Call, b: number): GruWeights {
  const w = weights(call, b);
  const width = 3 * call.attrs.units;
  const split = call.attrs.resetAfter && w.bias;
  return {
    kernel: w.kernel,
    recurrent: w.recurrent,
    inputBias: split ? w.bias!.subarray(0, width) : w.bias,
    recurrentBias: split ? w.bias!.subarray(width, 2 * width) : null,
  };
}

/** Σ_k v[k] M[k * stride + offset + j] for j < n: a row vector times columns [offset, offset + n) of M. */
function rowTimes(v: Float64Array, m: Float64Array, stride: number, offset: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) for (let k = 0; k < v.length; k++) out[j]! += v[k]! * m[k * stride + offset + j]!;
  return out;
}

function gruTrace(call: Call, b: number): { steps: GruStep[]; h: Float64Array[] } {
  const d = dims(call, 3);
  const U = d.units;
  const w = gruWeights(call, b);
  const x = row(call.args[0]!, b);
  const { activation: act, recurrentActivation: rec, resetAfter } = call.attrs;
  const steps: GruStep[] = [];
  const h = [new Float64Array(U)];
  for (let t = 0; t < d.steps; t++) {
    const hp = h[t]!;
    const xs = inputStep(call, t, d.steps);
    const xk = rowTimes(x.subarray(xs * d.features, (xs + 1) * d.features), w.kernel, d.width, 0, d.width);
    if (w.inputBias) for (let j = 0; j < d.width; j++) xk[j]! += w.inputBias[j]!;
    const hr = rowTimes(hp, w.recurrent, d.width, 0, resetAfter ? d.width : 2 * U);
    if (w.recurrentBias) for (let j = 0; j < d.width; j++) hr[j]! += w.recurrentBias[j]!;
    const zPre = new Float64Array(U);
    const rPre = new Float64Array(U);
    for (let u = 0; u < U; u++) (zPre[u] = xk[u]! + hr[u]!), (rPre[u] = xk[U + u]! + hr[U + u]!);
    const [z, r] = [new Float64Array(U), new Float64Array(U)];
    activate(rec, zPre, z, U);
    activate(rec, rPre, r, U);
    const inner = resetAfter ? hr.slice(2 * U, 3 * U) : r.map((rv, u) => rv * hp[u]!);
    const hPre = new Float64Array(U);
    if (resetAfter) for (let u = 0; u < U; u++) hPre[u] = xk[2 * U + u]! + r[u]! * inner[u]!;
    else {
      const projected = rowTimes(inner, w.recurrent, d.width, 2 * U, U);
      for (let u = 0; u < U; u++) hPre[u] = xk[2 * U + u]! + projected[u]!;
    }
    const hh = new Float64Array(U);
    activate(act, hPre, hh, U);
    steps.push({ zPre, z, rPre, r, hPre, hh, inner });
    h.push(z.map((zv, u) => zv * hp[u]! + (1 - zv) * hh[u]!));
  }
  return { steps, h };
}

function gruForward(call: Call): void {
  const d = dims(call, 3);
  for (let b = 0; b < call.rows; b++) {
    const trace = gruTrace(call, b);
    for (let t = 0; t < d.steps; t++) emit(call, b, d, t, trace.h[t + 1]!);
  }
}

function gruBackward(call: Call, dOut: Float64Array, dArgs: readonly (Float64Array | null)[]): void {
  const d = dims(call, 3);
  const U = d.units;
  const W = d.width;
  const { activation: act, recurrentActivation: rec, resetAfter } = call.attrs;
  for (let b = 0; b < call.rows; b++) {
    const { steps, h } = gruTrace(call, b);
    const w = gruWeights(call, b);
    const x = row(call.args[0]!, b);
    const grads = gradientViews(call, dArgs, b);
    const dInputBias = grads.dBias && resetAfter ? grads.dBias.subarray(0, W) : grads.dBias;
    const dRecurrentBias = grads.dBias && resetAfter ? grads.dBias.subarray(W, 2 * W) : null;
    let dh: Float64Array = new Float64Array(U);
    for (let t = d.steps - 1; t >= 0; t--) {
      addOutputGradient(call, dOut, b, d, t, dh);
      const s = steps[t]!;
      const hp = h[t]!;
      // h = z hp + (1 - z) h~
      const dzOut = dh.map((g, u) => g * (hp[u]! - s.hh[u]!));
      const dhhOut = dh.map((g, u) => g * (1 - s.z[u]!));
      const [dzPre, dhPre, drPre] = [new Float64Array(U), new Float64Array(U), new Float64Array(U)];
      activationBackward(rec, s.zPre, s.z, dzOut, dzPre, U);
      activationBackward(act, s.hPre, s.hh, dhhOut, dhPre, U);
      // resetAfter: h~ pre = xk_h + r inner, inner = hp R_h + b_rec_h; else h~ pre = xk_h + (r hp) R_h.
      const dInner = resetAfter ? dhPre.map((g, u) => g * s.r[u]!) : rowTimesTransposed(dhPre, w.recurrent, W, 2 * U, U);
      const drOut = resetAfter ? dhPre.map((g, u) => g * s.inner[u]!) : dInner.map((g, u) => g * hp[u]!);
      activationBackward(rec, s.rPre, s.r, drOut, drPre, U);
      const dxk = new Float64Array(W);
      dxk.set(dzPre, 0);
      dxk.set(drPre, U);
      dxk.set(dhPre, 2 * U);
      // x_t K + b_in: dK += x_tᵀ dxk, db_in += dxk, dx_t += dxk Kᵀ.
      for (let j = 0; j < W; j++) {
        if (dInputBias) dInputBias[j]! += dxk[j]!;
        for (let f = 0; f < d.features; f++) {
          const xs = inputStep(call, t, d.steps);
          if (grads.dKernel) grads.dKernel[f * W + j]! += x[xs * d.features + f]! * dxk[j]!;
          if (grads.dx) grads.dx[xs * d.features + f]! += w.kernel[f * W + j]! * dxk[j]!;
        }
      }
      // The recurrent products: resetAfter, hp R (+ b_rec) feeds z, r and inner; else hp R_zr and (r hp) R_h.
      const dhp = dh.map((g, u) => g * s.z[u]!);
      const dRecurrentIn = new Float64Array(W);
      dRecurrentIn.set(dzPre, 0);
      dRecurrentIn.set(drPre, U);
      if (resetAfter) dRecurrentIn.set(dInner, 2 * U);
      for (let j = 0; j < W; j++) {
        const fromHp = resetAfter || j < 2 * U;
        if (dRecurrentBias) dRecurrentBias[j]! += dRecurrentIn[j]!;
        for (let u = 0; u < U; u++) {
          const source = fromHp ? hp[u]! : s.inner[u]!;
          const g = fromHp ? dRecurrentIn[j]! : dhPre[j - 2 * U]!;
          if (grads.dRecurrent) grads.dRecurrent[u * W + j]! += source * g;
          if (fromHp) dhp[u]! += w.recurrent[u * W + j]! * g;
        }
      }
      if (!resetAfter) for (let u = 0; u < U; u++) dhp[u]! += dInner[u]! * s.r[u]!;
      dh = dhp;
    }
  }
}

/** Σ_j g[j] M[k * stride + offset + j] for k < n: g times the transpose of columns [offset, offset + g.length) of M. */
function rowTimesTransposed(g: Float64Array, m: Float64Array, stride: number, offset: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) for (let j = 0; j < g.length; j++) out[k]! += g[j]! * m[k * stride + offset + j]!;
  return out;
}

export const gruReference: ReferenceRule<RecurrentAttrs> = { forward: gruForward, backward: gruBackward };
