// What the normalisation layers' lowering shares: gamma and beta among the node's arguments (x,
// gamma if scale, beta if center, then batchNormalization's moving statistics), as code.

import type { IRNode } from "../../../dsl/ir";
import type { Mode } from "../../lowering/common";
import type { LoweringContext } from "../rule";
import type { AffineAttrs } from "./affine.reference";

export interface AffineIds {
  readonly gamma: string | null;
  readonly beta: string | null;
  /** The arguments after gamma and beta (batchNormalization's moving mean and variance). */
  readonly rest: readonly string[];
}

export function affineIds(node: IRNode, attrs: AffineAttrs): AffineIds {
  const [, ...weights] = node.inputs;
  const gamma = attrs.scale ? weights.shift()! : null;
  const beta = attrs.center ? weights.shift()! : null;
  return { gamma, beta, rest: weights };
}

/** γ[c] x̂ + β[c] as code, leaving out a missing scale or shift. */
export function scaleAndShift(ids: AffineIds, ctx: LoweringContext, mode: Mode, xhat: string, channel: string): string {
  const scaled = ids.gamma ? `${ctx.value(ids.gamma, mode)}[${channel}] * ${xhat}` : xhat;
  return ids.beta ? `${scaled} + ${ctx.value(ids.beta, mode)}[${channel}]` : scaled;
}

/** γ[c] as code (1 without a scale). */
export function gammaAt(ids: AffineIds, ctx: LoweringContext, channel: string): string {
  return ids.gamma ? `${ctx.value(ids.gamma, "train")}[${channel}]` : "1";
}
