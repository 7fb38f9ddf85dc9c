// The recurrent layers' loops over time, one call of gemm and of a cell kernel per step: where the
// resident loops (resident-recurrence.ts) cannot run (no shared WebAssembly memory, or units that 4
// does not divide). Tapes are step-major: step t's rows for the whole batch are one block at t·batch.

import { gemm } from "../gemm/gemm";
import { sumColumns } from "../rows/sum-columns";
import { lstmCellBackward, lstmCellForward, tanhRows, tanhRowsBackward } from "../activations/gates";

/** For t = 0 … steps-1: gates[t] += h[t-1]·R (not at t = 0), then the LSTM cell (lstmCellForward) into c, actC and h. */
export function lstmForwardLoop(gates: Float32Array, c: Float32Array, actC: Float32Array, h: Float32Array, recurrent: Float32Array, bias: Float32Array | null, steps: number, batch: number, units: number): void {
  const width = 4 * units;
  for (let t = 0; t < steps; t++) {
    if (t > 0) gemm(batch, width, units, h, false, recurrent, false, gates, true, (t - 1) * batch * units, 0, t * batch * width);
    lstmCellForward(gates, c, actC, h, bias, t, batch, units);
  }
}

/** For t = steps-1 … 0: the cell's backward (lstmCellBackward) into dz[t] and dc, then dh = dz[t]·Rᵀ (not at t = 0). */
export function lstmBackwardLoop(gates: Float32Array, actC: Float32Array, c: Float32Array, dh: Float32Array, dc: Float32Array, dz: Float32Array, recurrent: Float32Array, steps: number, batch: number, units: number): void {
  const width = 4 * units;
  for (let t = steps - 1; t >= 0; t--) {
    lstmCellBackward(gates, actC, c, dh, dc, dz, t, batch, units);
    if (t > 0) gemm(batch, units, width, dz, false, recurrent, true, dh, false, t * batch * width, 0, 0);
  }
}

/** For t = 0 … steps-1: h[t] += h[t-1]·R (not at t = 0), then h[t] = tanh(h[t] + bias). */
export function simpleRnnForwardLoop(h: Float32Array, recurrent: Float32Array, bias: Float32Array | null, steps: number, batch: number, units: number): void {
  const block = batch * units;
  for (let t = 0; t < steps; t++) {
    if (t > 0) gemm(batch, units, units, h, false, recurrent, false, h, true, (t - 1) * block, 0, t * block);
    tanhRows(h, t * block, batch, units, bias);
  }
}

/** For t = steps-1 … 0: dz[t] = dh·(1 − h[t]²), then dh = dz[t]·Rᵀ (not at t = 0). */
export function simpleRnnBackwardLoop(h: Float32Array, dh: Float32Array, dz: Float32Array, recurrent: Float32Array, steps: number, batch: number, units: number): void {
  for (let t = steps - 1; t >= 0; t--) {
    tanhRowsBackward(h, dh, dz, t, batch, units);
    if (t > 0) gemm(batch, units, units, dz, false, recurrent, true, dh, false, t * batch * units, 0, 0);
  }
}

/**
 * After the walk backward: dR = Σ over t ≥ 1 of h_{t-1}ᵀ·dz_t (h's steps 0 … T-2 against dZ's steps
 * 1 … T-1; 0 for one step), dK = xᵀ·dZ, db = the column sums of dZ, dX = dZ·Kᵀ, over all steps at once
 * (each into its array where given). dZ is [steps·batch, width] and x [steps·batch, features], step-major.
 */
export function walkGradients(h: Float32Array, dz: Float32Array, x: Float32Array, kernel: Float32Array, steps: number, batch: number, units: number, width: number, features: number, gradients: WalkGradients): void {
  const rows = steps * batch;
  const { dKernel, dRecurrent, dBias, dx } = gradients;
  if (dRecurrent && steps === 1) dRecurrent.fill(0, 0, units * width);
  else if (dRecurrent) gemm(units, width, (steps - 1) * batch, h, true, dz, false, dRecurrent, false, 0, batch * width, 0);
  if (dKernel) gemm(features, width, rows, x, true, dz, false, dKernel, false);
  if (dBias) sumColumns(dz, dBias, rows, width, "set");
  if (dx) gemm(rows, features, width, dz, false, kernel, true, dx, false);
}

/** The gradients a backward walk's call computes after the walk (walkGradients): each array, or null where none is wanted. */
export interface WalkGradients {
  dKernel: Float32Array | null;
  dRecurrent: Float32Array | null;
  dBias: Float32Array | null;
  dx: Float32Array | null;
}

/** A forward call's input projection: the input x step-major ([steps·batch, features]) and the input kernel [features, width], whose product x·K the walk starts from. */
export interface InputProjection {
  x: Float32Array;
  kernel: Float32Array;
  features: number;
}

/** into = x·K: every step's input projection in one product, as the generated code makes it. */
export function project({ x, kernel, features }: InputProjection, into: Float32Array, rows: number, width: number): void {
  gemm(rows, width, features, x, false, kernel, false, into, false);
}
