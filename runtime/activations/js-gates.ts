// The LSTM's and GRU's gate functions in plain JavaScript, for hosts without WebAssembly SIMD and for a width
// that is not a multiple of the vector's 4 floats: σ in float64 (Math.exp), tanh as rationalTanh.

import { rationalTanh } from "./rational-tanh";

/**
 * In place on rows of 4·units floats from offset, gates i, f, c, o: the bias (4·units floats) added
 * to each row first when given, then σ on i, f and o, tanh on c.
 */
export type LstmGates = (values: Float32Array, offset: number, rows: number, units: number, bias?: Float32Array | null) => void;

export const jsLstmGates: LstmGates = (values, offset, rows, units, bias) => {
  for (let r = 0; r < rows; r++) {
    const row = offset + r * 4 * units;
    if (bias) for (let j = 0; j < 4 * units; j++) values[row + j]! += bias[j]!;
    for (let j = 0; j < 2 * units; j++) values[row + j] = 1 / (1 + Math.exp(-values[row + j]!));
    for (let j = 2 * units; j < 3 * units; j++) values[row + j] = rationalTanh(values[row + j]!);
    for (let j = 3 * units; j < 4 * units; j++) values[row + j] = 1 / (1 + Math.exp(-values[row + j]!));
  }
};

/**
 * An LSTM step forward (sigmoid gates, tanh cell) at step `step` of step-major tapes of `rows` rows:
 * the step's block of gates (rows of 4·units, i, f, c, o) gets the bias (when given) and its gate
 * functions in place (see LstmGates); then c_t = f·c_{t-1} + i·g (c_{t-1} 0 at step 0), actC = tanh(c_t)
 * and h_t = o·tanh(c_t) into the step's blocks of c, actC and h (rows of units).
 */
export type LstmCellForward = (gates: Float32Array, c: Float32Array, actC: Float32Array, h: Float32Array, bias: Float32Array | null, step: number, rows: number, units: number) => void;

export const jsLstmCellForward: LstmCellForward = (gates, c, actC, h, bias, step, rows, units) => {
  jsLstmGates(gates, step * rows * 4 * units, rows, units, bias);
  for (let r = 0; r < rows; r++) {
    const row = (step * rows + r) * 4 * units;
    for (let u = 0; u < units; u++) {
      const s = (step * rows + r) * units + u;
      const cNew = gates[row + units + u]! * (step > 0 ? c[s - rows * units]! : 0) + gates[row + u]! * gates[row + 2 * units + u]!;
      const a = rationalTanh(cNew);
      c[s] = cNew;
      actC[s] = a;
      h[s] = gates[row + 3 * units + u]! * a;
    }
  }
};

/**
 * An LSTM step's backward (sigmoid gates, tanh cell), step `step` of step-major tapes of `rows` rows:
 * gates (rows of 4·units: i, f, g, o), actC (tanh(c_t)) and c (rows of units), c_{t-1} being 0 at step
 * 0. With dh and dc the gradients carried to the step ([rows, units]): dc += dh·o·(1 − a²); the step's
 * block of dz (laid out as the gates) gets dz_i = dc·g·i(1 − i), dz_f = dc·c_{t-1}·f(1 − f),
 * dz_g = dc·i·(1 − g²), dz_o = dh·a·o(1 − o); dc becomes dc·f, the gradient carried to c_{t-1}.
 */
export type LstmCellBackward = (gates: Float32Array, actC: Float32Array, c: Float32Array, dh: Float32Array, dc: Float32Array, dz: Float32Array, step: number, rows: number, units: number) => void;

export const jsLstmCellBackward: LstmCellBackward = (gates, actC, c, dh, dc, dz, step, rows, units) => {
  const width = 4 * units;
  for (let r = 0; r < rows; r++) {
    const row = (step * rows + r) * width;
    for (let u = 0; u < units; u++) {
      const s = (step * rows + r) * units + u;
      const i = gates[row + u]!, f = gates[row + units + u]!, g = gates[row + 2 * units + u]!, o = gates[row + 3 * units + u]!;
      const a = actC[s]!;
      const cPrev = step > 0 ? c[s - rows * units]! : 0;
      const dhu = dh[r * units + u]!;
      const dcu = dc[r * units + u]! + dhu * o * (1 - a * a);
      dz[row + u] = dcu * g * i * (1 - i);
      dz[row + units + u] = dcu * cPrev * f * (1 - f);
      dz[row + 2 * units + u] = dcu * i * (1 - g * g);
      dz[row + 3 * units + u] = dhu * a * o * (1 - o);
      dc[r * units + u] = dcu * f;
    }
  }
};

/** In place on rows of 3·units floats from offset, gates z, r, h: σ on z and r; h is left as it is. */
export type GruGates = (values: Float32Array, offset: number, rows: number, units: number) => void;

export const jsGruGates: GruGates = (values, offset, rows, units) => {
  for (let r = 0; r < rows; r++) {
    const row = offset + r * 3 * units;
    for (let j = 0; j < 2 * units; j++) values[row + j] = 1 / (1 + Math.exp(-values[row + j]!));
  }
};

/** In place on rows of `units` floats from offset: the bias (units floats) added to each row first when given, then tanh (rationalTanh). */
export type TanhRows = (values: Float32Array, offset: number, rows: number, units: number, bias?: Float32Array | null) => void;

export const jsTanhRows: TanhRows = (values, offset, rows, units, bias) => {
  for (let r = 0; r < rows; r++) {
    const row = offset + r * units;
    for (let j = 0; j < units; j++) values[row + j] = rationalTanh(values[row + j]! + (bias ? bias[j]! : 0));
  }
};

/** Backward through tanhRows at step `step` of a step-major h tape of `rows` rows of `units`: the step's block of dz gets dh·(1 − h_t²), dh being [rows, units]. */
export type TanhRowsBackward = (h: Float32Array, dh: Float32Array, dz: Float32Array, step: number, rows: number, units: number) => void;

export const jsTanhRowsBackward: TanhRowsBackward = (h, dh, dz, step, rows, units) => {
  const start = step * rows * units;
  for (let k = 0; k < rows * units; k++) {
    const value = h[start + k]!;
    dz[start + k] = dh[k]! * (1 - value * value);
  }
};

/**
 * A GRU step forward with the reset after the recurrent product (sigmoid z and r, tanh h~) at step
 * `step` of step-major tapes of `rows` rows: from xk (x·K, rows of 3·units: z, r, h), hr (h_{t-1}·R,
 * [rows, 3·units]) and the bias ([2, 3·units]: the input's, then the recurrent's; or null):
 * z, r = σ(xk + b + hr + b_rec) and h~ = tanh(xk_h + b_h + r·inner), inner = hr_h + b_rec_h, into the
 * step's blocks of gates (z, r, h~) and inner; h_t = z·h_{t-1} + (1 − z)·h~ (h_{t-1} 0 at step 0).
 */
export type GruCellForward = (xk: Float32Array, hr: Float32Array, h: Float32Array, inner: Float32Array, gates: Float32Array, bias: Float32Array | null, step: number, rows: number, units: number) => void;

export const jsGruCellForward: GruCellForward = (xk, hr, h, inner, gates, bias, step, rows, units) => {
  const width = 3 * units;
  const b = (j: number) => (bias ? bias[j]! : 0);
  for (let r = 0; r < rows; r++) {
    const row = (step * rows + r) * width;
    for (let j = 0; j < 2 * units; j++) gates[row + j] = 1 / (1 + Math.exp(-(xk[row + j]! + b(j) + hr[r * width + j]! + b(width + j))));
    for (let u = 0; u < units; u++) {
      const s = (step * rows + r) * units + u;
      const hp = step > 0 ? h[s - rows * units]! : 0;
      const z = gates[row + u]!;
      inner[s] = hr[r * width + 2 * units + u]! + b(width + 2 * units + u);
      const hh = rationalTanh(xk[row + 2 * units + u]! + b(2 * units + u) + gates[row + units + u]! * inner[s]!);
      gates[row + 2 * units + u] = hh;
      h[s] = z * hp + (1 - z) * hh;
    }
  }
};

/**
 * Backward through gruCellForward at step `step` of step-major tapes of `rows` rows: from gates (z, r,
 * h~; rows of 3·units), inner and h (rows of units; h_{t-1} 0 at step 0) and dh ([rows, units], the
 * gradient carried to h_t): the step's block of dz gets dz_z = dh·(h_{t-1} − h~)·z(1 − z),
 * dz_r = dz_h·inner·r(1 − r) and dz_h = dh·(1 − z)·(1 − h~²); dhr ([rows, 3·units], the gradient of
 * h_{t-1}·R + b_rec) gets dz_z, dz_r and dz_h·r; dh becomes dh·z (the direct part of dh_{t-1}).
 */
export type GruCellBackward = (gates: Float32Array, inner: Float32Array, h: Float32Array, dh: Float32Array, dz: Float32Array, dhr: Float32Array, step: number, rows: number, units: number) => void;

export const jsGruCellBackward: GruCellBackward = (gates, inner, h, dh, dz, dhr, step, rows, units) => {
  const width = 3 * units;
  for (let r = 0; r < rows; r++) {
    const row = (step * rows + r) * width;
    for (let u = 0; u < units; u++) {
      const s = (step * rows + r) * units + u;
      const hp = step > 0 ? h[s - rows * units]! : 0;
      const z = gates[row + u]!, rr = gates[row + units + u]!, hh = gates[row + 2 * units + u]!;
      const dhu = dh[r * units + u]!;
      const dzp = dhu * (hp - hh) * z * (1 - z);
      const dhhp = dhu * (1 - z) * (1 - hh * hh);
      const drp = dhhp * inner[s]! * rr * (1 - rr);
      dz[row + u] = dzp;
      dz[row + units + u] = drp;
      dz[row + 2 * units + u] = dhhp;
      dhr[r * width + u] = dzp;
      dhr[r * width + units + u] = drp;
      dhr[r * width + 2 * units + u] = dhhp * rr;
      dh[r * units + u] = dhu * z;
    }
  }
};
