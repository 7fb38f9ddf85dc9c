// simpleRNN's reference rules: h_t = act(x_t K + h_{t-1} R + b), h_0 = 0.

import { row } from "../../interpreter/tensor";
import type { ReferenceRule } from "../rule";
import { activate, activationBackward, addOutputGradient, dims, emit, gradientViews, inputStep, isPadded, preActivation, preActivationBackward, weights, type Call, type RecurrentAttrs } from "./cell.reference";

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
    if (isPadded(call, b, t, d.steps)) h.set(trace.h[t]!);
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
      if (isPadded(call, b, t, d.steps)) continue;
      const dz = new Float64Array(d.units);
      activationBackward(act, trace.z[t]!, trace.h[t + 1]!, dh, dz, d.units);
      dh = preActivationBackward(d, w, x, inputStep(call, t, d.steps), trace.h[t]!, dz, grads);
    }
  }
}

export const simpleRnnReference: ReferenceRule<RecurrentAttrs> = { forward: simpleRnnForward, backward: simpleRnnBackward };
