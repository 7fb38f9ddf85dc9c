// gru's reference rules.
//
// Gates z, r, h in the 3U columns. resetAfter: xk = x_t K + b_in, hr = h_{t-1} R + b_rec;
//   z = rec(xk_z + hr_z), r = rec(xk_r + hr_r), h~ = act(xk_h + r hr_h).
// Otherwise: xk = x_t K + b; z, r as above without b_rec; h~ = act(xk_h + (r h_{t-1}) R_h).
// Both: h_t = z h_{t-1} + (1 - z) h~.

import { row } from "../../interpreter/tensor";
import type { ReferenceRule } from "../rule";
import { activate, activationBackward, addOutputGradient, dims, emit, gradientViews, inputStep, isPadded, weights, type Call, type RecurrentAttrs } from "./cell.reference";

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
    h.push(isPadded(call, b, t, d.steps) ? hp.slice() : z.map((zv, u) => zv * hp[u]! + (1 - zv) * hh[u]!));
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
      if (isPadded(call, b, t, d.steps)) continue;
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
