// batchNormalization and layerNormalization, forward and backward.
//
// batchNormalization (inputs x, gamma if scale, beta if center, moving_mean, moving_variance), as
// keras/src/layers/normalization/batch_normalization.py (Keras 3): in training, the mean and the
// BIASED variance (ops.moments) over every axis but the last, batch included; the moving statistics
// become moving * momentum + batch_stat * (1 - momentum), with that same biased variance. At
// inference the moving statistics are used. Output gamma * (x - mean) / sqrt(var + eps) + beta.
//
// layerNormalization (inputs x, gamma if scale, beta if center): each example's last-axis vectors
// normalised by their own mean and biased variance, then gamma and beta.

import type { BackwardRule, ForwardRule, OpCall, RunContext } from "./op-call";
import { lastAxis, rowStart } from "./tensor";

interface Affine {
  /** The argument index of gamma and beta (-1 when absent), and of the moving statistics. */
  readonly gamma: number;
  readonly beta: number;
  readonly movingMean: number;
  readonly movingVariance: number;
}

function affine(call: OpCall): Affine {
  const scale = call.node.attrs.scale !== false;
  const center = call.node.attrs.center !== false;
  const gamma = scale ? 1 : -1;
  const beta = center ? (scale ? 2 : 1) : -1;
  const next = 1 + (scale ? 1 : 0) + (center ? 1 : 0);
  return { gamma, beta, movingMean: next, movingVariance: next + 1 };
}

/** Per-channel gamma and beta (ones and zeros when absent). */
function scaleAndShift(call: OpCall, channels: number): { gamma: Float64Array; beta: Float64Array } {
  const a = affine(call);
  const gamma = a.gamma >= 0 ? call.args[a.gamma]!.data.subarray(0, channels) : new Float64Array(channels).fill(1);
  const beta = a.beta >= 0 ? call.args[a.beta]!.data.subarray(0, channels) : new Float64Array(channels);
  return { gamma, beta };
}

const epsilonOf = (call: OpCall) => call.node.attrs.epsilon as number;

// --- batchNormalization ----------------------------------------------------------------------

interface Statistics {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

/** Each channel's mean and biased variance over the batch and every position of the example. */
function batchStatistics(call: OpCall, channels: number): Statistics {
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
function statistics(call: OpCall, ctx: RunContext, channels: number): Statistics {
  if (ctx.training) return batchStatistics(call, channels);
  const a = affine(call);
  return { mean: call.args[a.movingMean]!.data.subarray(0, channels), variance: call.args[a.movingVariance]!.data.subarray(0, channels) };
}

function updateMovingStatistics(call: OpCall, ctx: RunContext, stats: Statistics): void {
  const a = affine(call);
  const momentum = call.node.attrs.momentum as number;
  for (const [index, stat] of [[a.movingMean, stats.mean], [a.movingVariance, stats.variance]] as const) {
    const name = ctx.paramName(call.node.inputs[index]!);
    const moving = ctx.state(name);
    ctx.updateState(name, moving.map((m, c) => m * momentum + stat[c]! * (1 - momentum)));
  }
}

export const batchNormalizationForward: ForwardRule = (call, ctx) => {
  const channels = lastAxis(call.argShapes[0]!);
  const stats = statistics(call, ctx, channels);
  const { gamma, beta } = scaleAndShift(call, channels);
  const eps = epsilonOf(call);
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
};

export const batchNormalizationBackward: BackwardRule = (call, dOut, dArgs, ctx) => {
  const channels = lastAxis(call.argShapes[0]!);
  const stats = statistics(call, ctx, channels);
  const { gamma } = scaleAndShift(call, channels);
  const eps = epsilonOf(call);
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
};

// --- layerNormalization ----------------------------------------------------------------------

/** Visits each last-axis vector of each example with its mean and 1/sqrt(var + eps). */
function forEachVector(call: OpCall, visit: (xs: number, os: number, mean: number, invStd: number) => void): void {
  const x = call.args[0]!;
  const channels = lastAxis(call.argShapes[0]!);
  const eps = epsilonOf(call);
  for (let b = 0; b < call.rows; b++) {
    for (let p = 0; p < x.size; p += channels) {
      const xs = rowStart(x, b) + p;
      let mean = 0;
      for (let c = 0; c < channels; c++) mean += x.data[xs + c]!;
      mean /= channels;
      let variance = 0;
      for (let c = 0; c < channels; c++) variance += (x.data[xs + c]! - mean) ** 2;
      variance /= channels;
      visit(xs, rowStart(call.out, b) + p, mean, 1 / Math.sqrt(variance + eps));
    }
  }
}

export const layerNormalizationForward: ForwardRule = (call) => {
  const channels = lastAxis(call.argShapes[0]!);
  const { gamma, beta } = scaleAndShift(call, channels);
  const x = call.args[0]!.data;
  forEachVector(call, (xs, os, mean, invStd) => {
    for (let c = 0; c < channels; c++) call.out.data[os + c] = gamma[c]! * (x[xs + c]! - mean) * invStd + beta[c]!;
  });
};

export const layerNormalizationBackward: BackwardRule = (call, dOut, dArgs) => {
  const channels = lastAxis(call.argShapes[0]!);
  const { gamma } = scaleAndShift(call, channels);
  const a = affine(call);
  const [dx, dGamma, dBeta] = [dArgs[0], a.gamma >= 0 ? dArgs[a.gamma] : null, a.beta >= 0 ? dArgs[a.beta] : null];
  const x = call.args[0]!.data;
  forEachVector(call, (xs, os, mean, invStd) => {
    let sumDxhat = 0;
    let sumDxhatXhat = 0;
    for (let c = 0; c < channels; c++) {
      const xhat = (x[xs + c]! - mean) * invStd;
      const dy = dOut[os + c]!;
      if (dGamma) dGamma[c]! += dy * xhat;
      if (dBeta) dBeta[c]! += dy;
      sumDxhat += dy * gamma[c]!;
      sumDxhatXhat += dy * gamma[c]! * xhat;
    }
    if (!dx) return;
    for (let c = 0; c < channels; c++) {
      const xhat = (x[xs + c]! - mean) * invStd;
      dx[xs + c]! += (invStd / channels) * (channels * dOut[os + c]! * gamma[c]! - sumDxhat - xhat * sumDxhatXhat);
    }
  });
};
