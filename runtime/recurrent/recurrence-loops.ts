// The recurrent layers' loops over time, one call of gemm and of a cell kernel per step: where the
// resident loops (resident-recurrence.ts) cannot run (no shared WebAssembly memory, or units that 4
// does not divide). Tapes are step-major: step t's rows for the whole batch are one block at t·batch.

import { gemm } from "../gemm/gemm";
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
