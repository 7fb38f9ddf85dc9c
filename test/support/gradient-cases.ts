// Runs one gradient-check case: seeded weights, inputs, targets and dropout masks for a compiled
// model, then the interpreter's gradients against finite differences.

import type { CompiledModel } from "typegrad/dsl";
import { gradientCheck, nearKink, type GradientCase, type GradientCheckResult } from "./gradient-check";
import { paddedIds, randomDropoutMasks, randomInputs, randomParams, randomTargets } from "./random-data";

export interface CaseOptions {
  readonly batch?: number;
  readonly seed?: number;
  readonly training?: boolean;
  /** The range of int32 inputs (token ids). */
  readonly vocabulary?: number;
  /** int32 inputs [batch, T] as paddedIds: padding (id 0) laid out by example (pre-padded, none, all, scattered). */
  readonly padded?: boolean;
}

export function makeCase(model: CompiledModel, options: CaseOptions = {}): GradientCase {
  const { batch = 3, seed = 7, training = true, vocabulary = 1, padded = false } = options;
  const ir = model.ir;
  const random = randomInputs(ir, batch, seed + 1, vocabulary);
  return {
    ir,
    params: randomParams(ir, seed),
    inputs: padded ? ir.inputs.map((input, i) => (input.dtype === "int32" ? paddedIds(batch, input.shape[0]!, vocabulary, seed + 5 + i) : random[i]!)) : random,
    targets: randomTargets(ir, batch, seed + 2),
    batch,
    options: { training, dropoutMasks: randomDropoutMasks(ir, batch, seed + 3) },
  };
}

/** The check's result; throws when the case sits at a kink (pick another seed). */
export function checkCase(model: CompiledModel, options: CaseOptions = {}): GradientCheckResult {
  const c = makeCase(model, options);
  const kink = nearKink(c);
  if (kink) throw new Error(`the case sits at a kink (${kink}); pick another seed`);
  return gradientCheck(c);
}
