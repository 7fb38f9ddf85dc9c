// A training step whose loss or gradients are NaN or infinite is not applied: the optimiser never
// sees it, and the state the forward pass updates in place (batch normalisation's moving
// statistics) is put back, so the model keeps the weights and optimiser state of its last finite
// step. The check costs one pass over the gradients (a sum: finite exactly when every term is).

import type { ModelSpec } from "./kernels";
import { formatValue } from "./progress";

/** Thrown by a training step that was not applied. fit turns it into a NonFiniteLossError. */
export class RefusedStep extends Error {
  constructor(
    /** What became non-finite: "the loss became NaN", "the gradient of dense_kernel became Infinity (...)". */
    readonly what: string,
    readonly loss: number,
    /** Set when the weights were already non-finite before the step (the model is then not usable). */
    readonly weightsNote: string | null,
  ) {
    super(`${what}; the step was not applied`);
    this.name = "RefusedStep";
  }
}

/**
 * Whether every value is finite: their float64 sum is (float32 values cannot overflow it, and an
 * infinity or NaN makes it infinite or NaN). Four running sums, as V8 does not vectorise.
 */
function allFinite(a: Float32Array): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i]!;
    s1 += a[i + 1]!;
    s2 += a[i + 2]!;
    s3 += a[i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]!;
  const sum = s0 + s1 + s2 + s3;
  return sum - sum === 0;
}

/** One array over all the views, when they are consecutive in one buffer (the weight store's are); else the views. */
function spanning(views: readonly Float32Array[]): readonly Float32Array[] {
  const first = views[0];
  if (!first) return [];
  let end = first.byteOffset;
  for (const view of views) {
    if (view.buffer !== first.buffer || view.byteOffset !== end) return views;
    end += view.byteLength;
  }
  return [new Float32Array(first.buffer, first.byteOffset, (end - first.byteOffset) / Float32Array.BYTES_PER_ELEMENT)];
}

/** The first non-finite value among named arrays, as "<name> holds <value> at index <i>", or null. */
function firstNonFinite(arrays: readonly Float32Array[], names: readonly string[]): { name: string; value: number; index: number } | null {
  for (let k = 0; k < arrays.length; k++) {
    const a = arrays[k]!;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return { name: names[k]!, value: a[i]!, index: i };
  }
  return null;
}

export class StepGuard {
  /** The weights the forward pass changes (non-trainable), and their copies from before the step. */
  private readonly live: readonly Float32Array[];
  private readonly saved: readonly Float32Array[];
  private readonly gradNames: readonly string[];
  /** The gradients as one array over their store (or, were they not consecutive, as they are). */
  private readonly gradSpans: readonly Float32Array[];
  /** Whether the forward pass changes any weight. */
  private readonly hasState: boolean;

  constructor(
    private readonly spec: ModelSpec,
    private readonly weights: readonly Float32Array[],
    private readonly grads: readonly Float32Array[],
  ) {
    this.live = weights.filter((_, i) => !spec.params[i]!.trainable);
    this.saved = this.live.map((w) => new Float32Array(w.length));
    this.gradNames = spec.params.filter((p) => p.trainable).map((p) => p.name);
    this.hasState = this.live.length > 0;
    this.gradSpans = spanning(grads);
  }

  /** Before the step's forward pass. Allocates nothing. */
  before(): void {
    if (!this.hasState) return;
    for (let k = 0; k < this.live.length; k++) this.saved[k]!.set(this.live[k]!);
  }

  /** After backward, with a finite loss: whether the gradients are finite too. Allocates nothing. */
  gradientsFinite(): boolean {
    for (let k = 0; k < this.gradSpans.length; k++) if (!allFinite(this.gradSpans[k]!)) return false;
    return true;
  }

  /** Puts back what the forward pass changed and throws the RefusedStep that says why. */
  refuse(loss: number): never {
    for (let k = 0; k < this.live.length; k++) this.live[k]!.set(this.saved[k]!);
    const bad = Number.isFinite(loss) ? firstNonFinite(this.grads, this.gradNames) : null;
    const what = bad ? `the gradient of ${bad.name} became ${bad.value} (at index ${bad.index}; the loss was ${formatValue(loss)})` : `the loss became ${loss}`;
    const weight = firstNonFinite(this.weights, this.spec.params.map((p) => p.name));
    const note = weight ? `the weights were not finite before this step either (${weight.name} holds ${weight.value} at index ${weight.index})` : null;
    throw new RefusedStep(what, loss, note);
  }
}
