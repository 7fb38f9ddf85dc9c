// Weights (and their gradients) as consecutive views of one array: the fused dense step keeps them
// in its module's memory, and an elementwise optimiser runs over them as one (optimizers/optimizer.ts).

/** Views of `all` (a new array by default) of the given sizes, which must add up to its length. */
export function weightStore(sizes: readonly number[], all?: Float32Array): Float32Array[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const store = all ?? new Float32Array(total);
  if (store.length !== total) throw new Error(`weight store: sizes [${sizes.join(", ")}] add up to ${total}, the store holds ${store.length}`);
  let at = 0;
  return sizes.map((size) => store.subarray(at, (at += size)));
}
