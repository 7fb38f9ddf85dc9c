// Runs one gradient-check case: seeded weights, inputs, targets and dropout masks for a compiled
// model, then the interpreter's gradients against finite differences.

import type { CompiledModel } from "typegrad/dsl";
import { gradientCheck, nearKink, type GradientCase, type GradientCheckResult } from "./gradient-check";
import { randomDropoutMasks, randomInputs, randomParams, randomTargets } from "./random-data";

export interface CaseOptions {
  readonly batch?: number;
  readonly seed?: number;
  readonly training?: boolean;
  /** The range of int32 inputs (token ids). */
  readonly vocabulary?: number;
}

export function makeCase(model: CompiledModel, options: CaseOptions = {}): GradientCase {
  const { batch = 3, seed = 7, training = true, vocabulary = 1 } = options;
  const ir = model.ir;
  return {
    ir,
    params: randomParams(ir, seed),
    inputs: randomInputs(ir, batch, seed + 1, vocabulary),
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
