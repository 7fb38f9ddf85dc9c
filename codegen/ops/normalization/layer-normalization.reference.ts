// layerNormalization's reference rules (inputs x, gamma if scale, beta if center): each example's
// last-axis vectors normalised by their own mean and biased variance, then gamma and beta.

import type { OpCall } from "../../interpreter/op-call";
import { lastAxis, rowStart } from "../../interpreter/tensor";
import type { ReferenceRule } from "../rule";
import { affine, scaleAndShift, type AffineAttrs } from "./affine.reference";

type Call = OpCall<AffineAttrs>;

/** Visits each last-axis vector of each example with its mean and 1/sqrt(var + eps). */
function forEachVector(call: Call, visit: (xs: number, os: number, mean: number, invStd: number) => void): void {
  const x = call.args[0]!;
  const channels = lastAxis(call.argShapes[0]!);
  const eps = call.attrs.epsilon;
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

function forward(call: Call): void {
  const channels = lastAxis(call.argShapes[0]!);
  const { gamma, beta } = scaleAndShift(call, channels);
  const x = call.args[0]!.data;
  forEachVector(call, (xs, os, mean, invStd) => {
    for (let c = 0; c < channels; c++) call.out.data[os + c] = gamma[c]! * (x[xs + c]! - mean) * invStd + beta[c]!;
  });
}

function backward(call: Call, dOut: Float64Array, dArgs: readonly (Float64Array | null)[]): void {
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
}

export const layerNormalizationReference: ReferenceRule<AffineAttrs> = { forward, backward };
