// What batchNormalization and layerNormalization share in the reference interpreter: where gamma,
// beta and the moving statistics sit among the arguments, and gamma and beta themselves.

import type { OpCall } from "../../interpreter/op-call";

export interface AffineAttrs {
  readonly epsilon: number;
  /** Learn a shift beta. */
  readonly center: boolean;
  /** Learn a scale gamma. */
  readonly scale: boolean;
}

export interface Affine {
  /** The argument index of gamma and beta (-1 when absent), and of the moving statistics. */
  readonly gamma: number;
  readonly beta: number;
  readonly movingMean: number;
  readonly movingVariance: number;
}

export function affine(call: OpCall<AffineAttrs>): Affine {
  const { scale, center } = call.attrs;
  const gamma = scale ? 1 : -1;
  const beta = center ? (scale ? 2 : 1) : -1;
  const next = 1 + (scale ? 1 : 0) + (center ? 1 : 0);
  return { gamma, beta, movingMean: next, movingVariance: next + 1 };
}

/** Per-channel gamma and beta (ones and zeros when absent). */
export function scaleAndShift(call: OpCall<AffineAttrs>, channels: number): { gamma: Float64Array; beta: Float64Array } {
  const a = affine(call);
  const gamma = a.gamma >= 0 ? call.args[a.gamma]!.data.subarray(0, channels) : new Float64Array(channels).fill(1);
  const beta = a.beta >= 0 ? call.args[a.beta]!.data.subarray(0, channels) : new Float64Array(channels);
  return { gamma, beta };
}
