// A training step whose loss or gradients are NaN or infinite is not applied: the optimiser never
// sees it, and the state the forward pass updates in place (batch normalisation's moving
// statistics) is put back, so the model keeps the weights and optimiser state of its last finite
// step. The optimiser checks the gradients as it takes them (Optimizer.applyIfFinite).

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
  }

  /** Before the step's forward pass. Allocates nothing. */
  before(): void {
    if (!this.hasState) return;
    for (let k = 0; k < this.live.length; k++) this.saved[k]!.set(this.live[k]!);
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
