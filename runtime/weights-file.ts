// A model's weights (and optionally its optimiser state) as a safetensors file whose metadata names
// the model, its IR hash and the typegrad version; reading refuses any file made for another model.

import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "./safetensors";
import type { ModelSpec } from "./kernels";
import { TYPEGRAD_VERSION } from "./version";

const OPTIMIZER_PREFIX = "optimizer/";

export interface WeightsContent {
  readonly weights: readonly Float32Array[];
  readonly optimizer: ReadonlyMap<string, Float32Array> | null;
}

export function encodeWeights(spec: ModelSpec, modelName: string, hash: string, content: WeightsContent): Uint8Array {
  const tensors: NamedTensor[] = spec.params.map((p, i) => ({ name: p.name, shape: p.shape, data: content.weights[i]! }));
  for (const [name, data] of content.optimizer ?? []) tensors.push({ name: `${OPTIMIZER_PREFIX}${name}`, shape: [data.length], data });
  return encodeSafetensors(tensors, { format: "typegrad", model: modelName, ir_hash: hash, typegrad_version: TYPEGRAD_VERSION });
}

export function decodeWeights(bytes: Uint8Array, spec: ModelSpec, modelName: string, hash: string, what: string): WeightsContent {
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  if (metadata.format !== "typegrad") throw new Error(`${what}: not a typegrad weights file (no typegrad metadata)`);
  if (metadata.model !== modelName) throw new Error(`${what}: holds weights of model "${metadata.model}", not "${modelName}"`);
  if (metadata.ir_hash !== hash) {
    throw new Error(`${what}: made for another version of ${modelName} (IR hash ${metadata.ir_hash}, this model is ${hash}); the architecture changed since it was saved`);
  }
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const weights = spec.params.map((p) => {
    const t = byName.get(p.name);
    if (!t) throw new Error(`${what}: has no weight "${p.name}"`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new Error(`${what}: weight "${p.name}" has shape [${t.shape.join(", ")}], the model expects [${p.shape.join(", ")}]`);
    }
    return t.data;
  });
  const optimizerTensors = tensors.filter((t) => t.name.startsWith(OPTIMIZER_PREFIX));
  const optimizer = optimizerTensors.length ? new Map(optimizerTensors.map((t) => [t.name.slice(OPTIMIZER_PREFIX.length), t.data])) : null;
  return { weights, optimizer };
}
