// The interpreter's masks: an embedding with maskZero marks each position of its ids 1 (a token) or
// 0 (padding, id 0); the nodes after it carry that mask as codegen/mask-analysis.ts finds.

import type { GraphIR } from "../../dsl/ir";
import { maskOrigins, outputMask, type MaskOrigin } from "../mask-analysis";

/** 1 where the id is a token, 0 where it is padding (id 0). */
export function paddingMask(ids: Float64Array): Float64Array {
  return ids.map((id) => (id === 0 ? 0 : 1));
}

/** The masks of a run: which nodes carry one, and each mask's numbers (batch × positions) once its embedding has run. */
export class RunMasks {
  private readonly origins: ReadonlyMap<string, MaskOrigin>;
  private readonly data = new Map<string, Float64Array>();

  constructor(readonly ir: GraphIR) {
    this.origins = maskOrigins(ir);
  }

  /** After a node has run: an embedding with maskZero makes its mask from its ids. */
  made(nodeId: string, ids: () => Float64Array): void {
    if (this.origins.get(nodeId)?.source.id === nodeId) this.data.set(nodeId, paddingMask(ids()));
  }

  /** The mask a node's arguments carry, or null. */
  ofArguments(inputs: readonly string[]): Float64Array | null {
    const origin = inputs.map((id) => this.origins.get(id)).find((o) => o !== undefined);
    return origin ? this.data.get(origin.source.id)! : null;
  }

  /** The mask the loss applies: the output's, made from the ids in `values` (by node id), or null. */
  ofOutput(values: ReadonlyMap<string, Float64Array>): Float64Array | null {
    const origin = outputMask(this.ir, this.origins);
    return origin ? paddingMask(values.get(origin.source.inputs[0]!)!) : null;
  }
}
