// Weights (and their gradients) as consecutive views of one array: a fused step copies all of them
// in or out with a single TypedArray.set, and an elementwise optimiser could run over them as one.

export interface WeightStore {
  /** Every array's floats, in order. */
  readonly all: Float32Array;
  /** Views of `all`, one per size. */
  readonly arrays: Float32Array[];
}

/** Views of `all` (a new array by default) of the given sizes, which must add up to its length. */
export function weightStore(sizes: readonly number[], all: Float32Array = new Float32Array(sizes.reduce((total, size) => total + size, 0))): WeightStore {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (all.length !== total) throw new Error(`weight store: sizes [${sizes.join(", ")}] add up to ${total}, the store holds ${all.length}`);
  let at = 0;
  const arrays = sizes.map((size) => all.subarray(at, (at += size)));
  return { all, arrays };
}
