// lstm's reference rules (Keras gate order i, f, c, o): z = x_t K + h_{t-1} R + b; i = rec(z_i),
// f = rec(z_f), g = act(z_c), o = rec(z_o); c_t = f c_{t-1} + i g; h_t = o act(c_t).

import { row } from "../../interpreter/tensor";
import type { ReferenceRule } from "../rule";
import { activate, activationBackward, addOutputGradient, dims, emit, gradientViews, inputStep, isPadded, preActivation, preActivationBackward, weights, type Call, type RecurrentAttrs } from "./cell.reference";

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
    if (isPadded(call, b, t, d.steps)) (c.set(cPrev), h.set(trace.h[t]!));
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
      if (isPadded(call, b, t, d.steps)) continue;
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

export const lstmReference: ReferenceRule<RecurrentAttrs> = { forward: lstmForward, backward: lstmBackward };
