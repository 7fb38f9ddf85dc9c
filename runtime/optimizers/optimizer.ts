// What every optimiser provides, and the gradient clipping they share (applied before the rule).

export interface Optimizer {
  /** Steps taken so far. */
  readonly iterations: number;
  /** Updates the weights in place from their gradients. Allocates nothing. */
  apply(grads: readonly Float32Array[]): void;
  /** The slot variables (momenta, accumulators) and the step count, by name, for saving. */
  getState(): Map<string, Float32Array>;
  setState(state: ReadonlyMap<string, Float32Array>): void;
}

export interface Clipping {
  readonly clipnorm?: number;
  readonly clipvalue?: number;
}

/** Keras 3: clipnorm rescales each gradient to an L2 norm of at most clipnorm; clipvalue clips each element. */
export function clip(grad: Float32Array, { clipnorm, clipvalue }: Clipping): void {
  if (clipnorm !== undefined) {
    let squares = 0;
    for (let i = 0; i < grad.length; i++) squares += grad[i]! * grad[i]!;
    const norm = Math.sqrt(squares);
    if (norm > clipnorm) for (let i = 0; i < grad.length; i++) grad[i]! *= clipnorm / norm;
  }
  if (clipvalue !== undefined) {
    for (let i = 0; i < grad.length; i++) grad[i] = Math.min(clipvalue, Math.max(-clipvalue, grad[i]!));
  }
}

/** Slots named `${slot}/${index}`, plus `iterations`. */
export function slotState(slots: Record<string, readonly Float32Array[]>, iterations: number): Map<string, Float32Array> {
  const state = new Map<string, Float32Array>([["iterations", Float32Array.of(iterations)]]);
  for (const [slot, arrays] of Object.entries(slots)) arrays.forEach((a, i) => state.set(`${slot}/${i}`, a.slice()));
  return state;
}

export function restoreSlots(slots: Record<string, readonly Float32Array[]>, state: ReadonlyMap<string, Float32Array>): number {
  for (const [slot, arrays] of Object.entries(slots)) {
    arrays.forEach((a, i) => {
      const saved = state.get(`${slot}/${i}`);
      if (!saved || saved.length !== a.length) throw new Error(`optimizer state: ${slot}/${i} is missing or has the wrong size`);
      a.set(saved);
    });
  }
  return state.get("iterations")?.[0] ?? 0;
}
