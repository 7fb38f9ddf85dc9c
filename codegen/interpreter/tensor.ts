// How the interpreter holds a node's value: float64 numbers, one row of `size` per example
// (row-major within the example), or a single row shared by the whole batch for values that do
// not depend on the inputs (weights, and ops that read only weights).

export interface Tensor {
  readonly data: Float64Array;
  /** Numbers per example: the product of the node's shape (1 for a scalar). */
  readonly size: number;
  /** False when one row serves every example (data.length === size). */
  readonly perExample: boolean;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((acc, dim) => acc * dim, 1);
}

/** The length of the last axis (1 for a scalar). */
export function lastAxis(shape: readonly number[]): number {
  return shape.length === 0 ? 1 : shape[shape.length - 1]!;
}

export function makeTensor(size: number, perExample: boolean, batch: number): Tensor {
  return { data: new Float64Array(perExample ? batch * size : size), size, perExample };
}

/** Where example b's row starts: shared tensors have one row, read (and accumulated into) by every example. */
export function rowStart(t: Tensor, b: number): number {
  return t.perExample ? b * t.size : 0;
}

/** Example b's row, as a view. */
export function row(t: Tensor, b: number): Float64Array {
  const start = rowStart(t, b);
  return t.data.subarray(start, start + t.size);
}

/** A gradient buffer laid out like the value it belongs to. */
export function zerosLike(t: Tensor): Float64Array {
  return new Float64Array(t.data.length);
}

/** batch * size numbers: a shared value repeated for every example. */
export function perExampleCopy(t: Tensor, batch: number): Float64Array {
  if (t.perExample) return t.data;
  const out = new Float64Array(batch * t.size);
  for (let b = 0; b < batch; b++) out.set(t.data, b * t.size);
  return out;
}
