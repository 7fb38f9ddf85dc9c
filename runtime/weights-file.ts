// A model's weights (and optionally its optimiser state) as a safetensors file. The metadata names
// the model, its IR hash, the typegrad version and the optimiser the state belongs to; each tensor's
// bytes carry a CRC-32 (safetensors.ts).
//
// A file is tied to what it holds, not to the model's whole IR: it loads into any model whose
// weights have the same names and shapes, in the same order, whatever its loss, metrics or
// learning rate. The optimiser state comes along when it was saved for the same optimiser over the
// same trainable weights; otherwise it is left out, and the model says why in one line.

import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "./safetensors";
import type { ModelSpec } from "./kernels";
import { TYPEGRAD_VERSION } from "./version";

const OPTIMIZER_PREFIX = "optimizer/";

export interface WeightsContent {
  readonly weights: readonly Float32Array[];
  readonly optimizer: ReadonlyMap<string, Float32Array> | null;
}

export interface DecodedWeights extends WeightsContent {
  /** Why the file's optimiser state was left out (it belongs to another optimiser), or null. */
  readonly optimizerLeftOut: string | null;
}

/** What optimiser state fits: the optimiser's name and the trainable weights its slots follow. */
interface OptimizerIdentity {
  readonly name: string;
  readonly weights: readonly string[];
}

function optimizerIdentity(spec: ModelSpec): OptimizerIdentity {
  return { name: spec.training?.optimizer.name ?? "none", weights: spec.params.filter((p) => p.trainable).map((p) => p.name) };
}

const shapeText = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/** Refuses NaN and infinities: load would refuse the file they make. */
function checkFinite(spec: ModelSpec, weights: readonly Float32Array[], modelName: string): void {
  weights.forEach((w, k) => {
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i])) {
        throw new Error(`${modelName}: weight "${spec.params[k]!.name}" holds ${w[i]} at index ${i}; a file of non-finite weights would not load, so none is written`);
      }
    }
  });
}

export function encodeWeights(spec: ModelSpec, modelName: string, hash: string, content: WeightsContent): Uint8Array {
  checkFinite(spec, content.weights, modelName);
  const tensors: NamedTensor[] = spec.params.map((p, i) => ({ name: p.name, shape: p.shape, data: content.weights[i]! }));
  for (const [name, data] of content.optimizer ?? []) tensors.push({ name: `${OPTIMIZER_PREFIX}${name}`, shape: [data.length], data });
  const metadata: Record<string, string> = { format: "typegrad", model: modelName, ir_hash: hash, typegrad_version: TYPEGRAD_VERSION };
  if (content.optimizer) metadata.optimizer = JSON.stringify(optimizerIdentity(spec));
  return encodeSafetensors(tensors, metadata, { checksums: true });
}

/** The first place where the file's weights and the model's differ (by position, name and shape), or null. */
function firstDifference(held: readonly NamedTensor[], spec: ModelSpec, modelName: string): string | null {
  for (let i = 0; i < Math.max(held.length, spec.params.length); i++) {
    const file = held[i];
    const model = spec.params[i];
    const fileText = file ? `"${file.name}" ${shapeText(file.shape)}` : "nothing";
    const modelText = model ? `"${model.name}" ${shapeText(model.shape)}` : "nothing";
    if (fileText !== modelText) return `weight ${i + 1} is ${fileText} in the file, ${modelText} in ${modelName}`;
  }
  return null;
}

export function decodeWeights(bytes: Uint8Array, spec: ModelSpec, modelName: string, what: string): DecodedWeights {
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  if (metadata.format !== "typegrad") throw new Error(`${what}: not a typegrad weights file (no typegrad metadata)`);
  const held = tensors.filter((t) => !t.name.startsWith(OPTIMIZER_PREFIX));
  const difference = firstDifference(held, spec, modelName);
  if (difference !== null) {
    const whose = metadata.model !== modelName ? `holds weights of model "${metadata.model}", not "${modelName}", and they do not fit` : `its weights do not fit ${modelName} (their names or shapes changed since it was saved)`;
    throw new Error(`${what}: ${whose}: ${difference}`);
  }
  const weights = held.map((t) => t.data);
  const optimizerTensors = tensors.filter((t) => t.name.startsWith(OPTIMIZER_PREFIX));
  if (!optimizerTensors.length) return { weights, optimizer: null, optimizerLeftOut: null };
  const optimizer = new Map(optimizerTensors.map((t) => [t.name.slice(OPTIMIZER_PREFIX.length), t.data]));
  const leftOut = optimizerMismatch(metadata.optimizer, optimizerIdentity(spec));
  return leftOut ? { weights, optimizer: null, optimizerLeftOut: leftOut } : { weights, optimizer, optimizerLeftOut: null };
}

/** Why state saved for `saved` (the metadata's JSON; absent in files written before it) cannot serve `current`, or null. */
function optimizerMismatch(saved: string | undefined, current: OptimizerIdentity): string | null {
  if (saved === undefined) return null; // an older file: the optimiser's own check (setState) decides
  let identity: Partial<OptimizerIdentity>;
  try {
    identity = JSON.parse(saved) as Partial<OptimizerIdentity>;
  } catch {
    return `its "optimizer" metadata is not JSON`;
  }
  if (identity.name !== current.name) return `it was saved for ${identity.name}, this model trains with ${current.name}`;
  const weights = identity.weights ?? [];
  if (weights.join("\n") !== current.weights.join("\n")) return `it was saved for the trainable weights [${weights.join(", ")}], this model trains [${current.weights.join(", ")}]`;
  return null;
}
