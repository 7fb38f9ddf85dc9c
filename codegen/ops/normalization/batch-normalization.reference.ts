// batchNormalization's reference rules (inputs x, gamma if scale, beta if center, moving_mean,
// moving_variance), as keras/src/layers/normalization/batch_normalization.py (Keras 3): in training,
// the mean and the BIASED variance (ops.moments) over every axis but the last, batch included; the
// moving statistics become moving * momentum + batch_stat * (1 - momentum), with that same biased
// variance. At inference the moving statistics are used. Output gamma * (x - mean) / sqrt(var + eps) + beta.

import type { OpCall, RunContext } from "../../interpreter/op-call";
import { lastAxis, rowStart } from "../../interpreter/tensor";
import type { ReferenceRule } from "../rule";
import { affine, scaleAndShift, type AffineAttrs } from "./affine.reference";

export interface BatchNormalizationAttrs extends AffineAttrs {
  readonly momentum: number;
}

type Call = OpCall<BatchNormalizationAttrs>;

interface Statistics {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

/** Each channel's mean and biased variance over the batch and every position of the example. */
function batchStatistics(call: Call, channels: number): Statistics {
  const x = call.args[0]!;
  const positions = x.size / channels;
  const count = call.batch * positions;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let b = 0; b < call.batch; b++) {
    const start = rowStart(x, b);
    for (let i = 0; i < x.size; i++) mean[i % channels]! += x.data[start + i]!;
  }
  for (let c = 0; c < channels; c++) mean[c]! /= count;
  for (let b = 0; b < call.batch; b++) {
    const start = rowStart(x, b);
    for (let i = 0; i < x.size; i++) variance[i % channels]! += (x.data[start + i]! - mean[i % channels]!) ** 2;
  }
  for (let c = 0; c < channels; c++) variance[c]! /= count;
  return { mean, variance };
}

/** The statistics the output is normalised with: the batch's in training, the moving ones otherwise. */
function statistics(call: Call, ctx: RunContext, channels: number): Statistics {
  if (ctx.training) return batchStatistics(call, channels);
  const a = affine(call);
  return { mean: call.args[a.movingMean]!.data.subarray(0, channels), variance: call.args[a.movingVariance]!.data.subarray(0, channels) };
}

function updateMovingStatistics(call: Call, ctx: RunContext, stats: Statistics): void {
  const a = affine(call);
  const momentum = call.attrs.momentum;
  for (const [index, stat] of [[a.movingMean, stats.mean], [a.movingVariance, stats.variance]] as const) {
    const name = ctx.paramName(call.node.inputs[index]!);
    const moving = ctx.state(name);
    ctx.updateState(name, moving.map((m, c) => m * momentum + stat[c]! * (1 - momentum)));
  }
}

function forward(call: Call, ctx: RunContext): void {
  const channels = lastAxis(call.argShapes[0]!);
  const stats = statistics(call, ctx, channels);
  const { gamma, beta } = scaleAndShift(call, channels);
  const eps = call.attrs.epsilon;
  const x = call.args[0]!;
  for (let b = 0; b < call.rows; b++) {
    const [xs, os] = [rowStart(x, b), rowStart(call.out, b)];
    for (let i = 0; i < x.size; i++) {
      const c = i % channels;
      const xhat = (x.data[xs + i]! - stats.mean[c]!) / Math.sqrt(stats.variance[c]! + eps);
      call.out.data[os + i] = gamma[c]! * xhat + beta[c]!;
    }
  }
  if (ctx.training) updateMovingStatistics(call, ctx, stats);
}

function backward(call: Call, dOut: Float64Array, dArgs: readonly (Float64Array | null)[], ctx: RunContext): void {
  const channels = lastAxis(call.argShapes[0]!);
  const stats = statistics(call, ctx, channels);
  const { gamma } = scaleAndShift(call, channels);
  const eps = call.attrs.epsilon;
  const a = affine(call);
  const [dx, dGamma, dBeta] = [dArgs[0], a.gamma >= 0 ? dArgs[a.gamma] : null, a.beta >= 0 ? dArgs[a.beta] : null];
  const x = call.args[0]!;
  const invStd = stats.variance.map((v) => 1 / Math.sqrt(v + eps));
  const xhat = (b: number, i: number) => (x.data[rowStart(x, b) + i]! - stats.mean[i % channels]!) * invStd[i % channels]!;
  const dy = (b: number, i: number) => dOut[rowStart(call.out, b) + i]!;
  // Sums over the batch and positions of dy, dy * xhat, and (for dx in training) dxhat, dxhat * xhat.
  const sumDy = new Float64Array(channels);
  const sumDyXhat = new Float64Array(channels);
  for (let b = 0; b < call.rows; b++) {
    for (let i = 0; i < x.size; i++) {
      sumDy[i % channels]! += dy(b, i);
      sumDyXhat[i % channels]! += dy(b, i) * xhat(b, i);
    }
  }
  for (let c = 0; c < channels; c++) {
    if (dGamma) dGamma[c]! += sumDyXhat[c]!;
    if (dBeta) dBeta[c]! += sumDy[c]!;
  }
  if (!dx) return;
  const count = call.batch * (x.size / channels);
  for (let b = 0; b < call.rows; b++) {
    const xs = rowStart(x, b);
    for (let i = 0; i < x.size; i++) {
      const c = i % channels;
      const dxhat = dy(b, i) * gamma[c]!;
      // In training the mean and variance depend on x too:
      // dx = invStd / N * (N dxhat - sum dxhat - xhat * sum(dxhat * xhat)), with dxhat = dy * gamma.
      dx[xs + i]! += ctx.training
        ? (invStd[c]! / count) * (count * dxhat - gamma[c]! * sumDy[c]! - xhat(b, i) * gamma[c]! * sumDyXhat[c]!)
        : dxhat * invStd[c]!;
    }
  }
}

export const batchNormalizationReference: ReferenceRule<BatchNormalizationAttrs> = { forward, backward, perExample: true };
