// The gate functions of an LSTM or GRU step over the whole step's block of pre-activations at once,
// for the generated kernels: WebAssembly SIMD where the host has it, plain JavaScript otherwise. σ
// within 2 float32 ulps of σ in float64 (sigmoid.ts), tanh within 7 of tanh (tanh-vectors.ts; the
// JavaScript one is rationalTanh, within 3).

import { jsGruCellBackward, jsGruCellForward, jsGruGates, jsLstmCellBackward, jsLstmCellForward, jsLstmGates, jsTanhRows, jsTanhRowsBackward, type GruCellBackward, type GruCellForward, type GruGates, type LstmCellBackward, type LstmCellForward, type LstmGates, type TanhRows, type TanhRowsBackward } from "./js-gates";
import { SimdGates } from "./simd-gates";

interface Gates {
  lstmGates: LstmGates;
  gruGates: GruGates;
  lstmCellForward: LstmCellForward;
  lstmCellBackward: LstmCellBackward;
  tanhRows: TanhRows;
  tanhRowsBackward: TanhRowsBackward;
  gruCellForward: GruCellForward;
  gruCellBackward: GruCellBackward;
}

let chosen: Gates | undefined;

function implementation(): Gates {
  return (chosen ??= SimdGates.create() ?? { lstmGates: jsLstmGates, gruGates: jsGruGates, lstmCellForward: jsLstmCellForward, lstmCellBackward: jsLstmCellBackward, tanhRows: jsTanhRows, tanhRowsBackward: jsTanhRowsBackward, gruCellForward: jsGruCellForward, gruCellBackward: jsGruCellBackward });
}

/**
 * In place on `rows` rows of 4·units floats from offset (a time step's slice of an LSTM's gates tape),
 * Keras' gate order i, f, c, o: the bias (4·units floats) added to each row first when given, then
 * i, f, o = σ(·), c = tanh(·).
 */
export function lstmGates(values: Float32Array, offset: number, rows: number, units: number, bias: Float32Array | null = null): void {
  checkArguments("lstmGates", values, offset, rows, units, 4);
  if (bias && bias.length < 4 * units) throw new RangeError(`lstmGates: bias holds ${bias.length} floats, needs ${4 * units}`);
  implementation().lstmGates(values, offset, rows, units, bias);
}

/**
 * An LSTM step forward (σ gates, tanh cell) at step `step` of step-major tapes of `rows` rows: the
 * step's block of gates (rows of 4·units, i, f, c, o, holding z) gets the bias when given and its gate
 * functions in place, as lstmGates; then c_t = f·c_{t-1} + i·g (c_{t-1} is 0 at step 0), tanh(c_t) and
 * h_t = o·tanh(c_t) go to the step's blocks of c, actC and h (rows of units).
 */
export function lstmCellForward(gates: Float32Array, c: Float32Array, actC: Float32Array, h: Float32Array, bias: Float32Array | null, step: number, rows: number, units: number): void {
  const name = "lstmCellForward";
  checkArguments(name, gates, step * rows * 4 * units, rows, units, 4, "step", step);
  for (const [what, array] of [["c", c], ["actC", actC], ["h", h]] as const) checkArguments(name, array, step * rows * units, rows, units, 1, "step", step, what);
  if (bias && bias.length < 4 * units) throw new RangeError(`${name}: bias holds ${bias.length} floats, needs ${4 * units}`);
  implementation().lstmCellForward(gates, c, actC, h, bias, step, rows, units);
}

/**
 * An LSTM step's backward through its cell and gates (σ gates, tanh cell) at step `step` of step-major
 * tapes of `rows` rows: gates (the gates' values, rows of 4·units in the order i, f, c, o), actC
 * (tanh(c_t)) and c (rows of units; c_{t-1} is 0 at step 0). dh and dc ([rows, units]) are the
 * gradients carried to the step: dc += dh·o·(1 − tanh²(c_t)); the step's block of dz, laid out as
 * the gates, gets each gate's gradient times its function's derivative; dc becomes dc·f, carried to
 * c_{t-1}.
 */
export function lstmCellBackward(gates: Float32Array, actC: Float32Array, c: Float32Array, dh: Float32Array, dc: Float32Array, dz: Float32Array, step: number, rows: number, units: number): void {
  const name = "lstmCellBackward";
  checkArguments(name, gates, step * rows * 4 * units, rows, units, 4, "step", step);
  checkArguments(name, dz, step * rows * 4 * units, rows, units, 4, "step", step, "dz");
  for (const [what, array] of [["actC", actC], ["c", c]] as const) checkArguments(name, array, step * rows * units, rows, units, 1, "step", step, what);
  for (const [what, array] of [["dh", dh], ["dc", dc]] as const) checkArguments(name, array, 0, rows, units, 1, "step", step, what);
  implementation().lstmCellBackward(gates, actC, c, dh, dc, dz, step, rows, units);
}

/**
 * In place on `rows` rows of 3·units floats from offset (a time step's slice of a GRU's gates tape),
 * Keras' gate order z, r, h: z, r = σ(·); the h columns are left as they are.
 */
export function gruGates(values: Float32Array, offset: number, rows: number, units: number): void {
  checkArguments("gruGates", values, offset, rows, units, 3);
  implementation().gruGates(values, offset, rows, units);
}

/**
 * A GRU step forward, reset after the recurrent product (Keras 3's default; σ gates, tanh h~), at step
 * `step` of step-major tapes of `rows` rows: xk holds x·K (rows of 3·units: z, r, h), hr h_{t-1}·R
 * ([rows, 3·units]), bias the input's bias then the recurrent one ([2, 3·units]) or null.
 * z, r = σ(xk + b + hr + b_rec), inner = hr_h + b_rec_h, h~ = tanh(xk_h + b_h + r·inner) go to the
 * step's blocks of gates (z, r, h~) and inner; h_t = z·h_{t-1} + (1 − z)·h~ (h_{t-1} is 0 at step 0).
 */
export function gruCellForward(xk: Float32Array, hr: Float32Array, h: Float32Array, inner: Float32Array, gates: Float32Array, bias: Float32Array | null, step: number, rows: number, units: number): void {
  const name = "gruCellForward";
  for (const [what, array] of [["xk", xk], ["gates", gates]] as const) checkArguments(name, array, step * rows * 3 * units, rows, units, 3, "step", step, what);
  checkArguments(name, hr, 0, rows, units, 3, "step", step, "hr");
  for (const [what, array] of [["h", h], ["inner", inner]] as const) checkArguments(name, array, step * rows * units, rows, units, 1, "step", step, what);
  if (bias && bias.length < 6 * units) throw new RangeError(`${name}: bias holds ${bias.length} floats, needs ${6 * units}`);
  implementation().gruCellForward(xk, hr, h, inner, gates, bias, step, rows, units);
}

/**
 * Backward through gruCellForward at step `step` of step-major tapes of `rows` rows: from gates (z, r,
 * h~), inner and h (h_{t-1} is 0 at step 0), with dh ([rows, units]) the gradient carried to h_t, the
 * step's block of dz gets each gate's pre-activation gradient, dhr ([rows, 3·units]) the gradient of
 * h_{t-1}·R + b_rec (dz_z, dz_r, dh~'s share through r), and dh becomes dh·z (the direct part of dh_{t-1}).
 */
export function gruCellBackward(gates: Float32Array, inner: Float32Array, h: Float32Array, dh: Float32Array, dz: Float32Array, dhr: Float32Array, step: number, rows: number, units: number): void {
  const name = "gruCellBackward";
  for (const [what, array] of [["gates", gates], ["dz", dz]] as const) checkArguments(name, array, step * rows * 3 * units, rows, units, 3, "step", step, what);
  for (const [what, array] of [["inner", inner], ["h", h]] as const) checkArguments(name, array, step * rows * units, rows, units, 1, "step", step, what);
  checkArguments(name, dh, 0, rows, units, 1, "step", step, "dh");
  checkArguments(name, dhr, 0, rows, units, 3, "step", step, "dhr");
  implementation().gruCellBackward(gates, inner, h, dh, dz, dhr, step, rows, units);
}

/**
 * In place on `rows` rows of `units` floats from offset (a time step's slice of a simpleRNN's h tape,
 * holding x·K + h_{t-1}·R): the bias (units floats) added to each row first when given, then tanh.
 */
export function tanhRows(values: Float32Array, offset: number, rows: number, units: number, bias: Float32Array | null = null): void {
  checkArguments("tanhRows", values, offset, rows, units, 1);
  if (bias && bias.length < units) throw new RangeError(`tanhRows: bias holds ${bias.length} floats, needs ${units}`);
  implementation().tanhRows(values, offset, rows, units, bias);
}

/** Backward through tanhRows at step `step` of a step-major h tape (rows of units, holding tanh's values): the step's block of dz gets dh·(1 − h_t²), dh being [rows, units]. */
export function tanhRowsBackward(h: Float32Array, dh: Float32Array, dz: Float32Array, step: number, rows: number, units: number): void {
  const name = "tanhRowsBackward";
  for (const [what, array] of [["h", h], ["dz", dz]] as const) checkArguments(name, array, step * rows * units, rows, units, 1, "step", step, what);
  checkArguments(name, dh, 0, rows, units, 1, "step", step, "dh");
  implementation().tanhRowsBackward(h, dh, dz, step, rows, units);
}

/** offset (named `where`, given as `whereValue`), rows and units checked, then that `array` holds rows of gateCount·units floats from offset. */
function checkArguments(name: string, values: Float32Array, offset: number, rows: number, units: number, gateCount: number, where = "offset", whereValue = offset, array = "values"): void {
  for (const [what, n] of [[where, whereValue], ["rows", rows]] as const) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name}: ${what} must be a non-negative integer, got ${n}`);
  }
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`${name}: units must be a positive integer, got ${units}`);
  const needed = offset + rows * gateCount * units;
  if (values.length < needed) throw new RangeError(`${name}: ${array} holds ${values.length} floats, needs ${needed}`);
}
