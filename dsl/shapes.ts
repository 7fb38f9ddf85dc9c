// Run-time twins of the type-level shape helpers, used by the checks that run when a graph is built.

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function product(shape: readonly number[]): number {
  return shape.reduce((acc, dim) => acc * dim, 1);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

export function lastDim(shape: readonly number[]): number {
  return shape[shape.length - 1]!;
}

/** Throws the sentence when the condition does not hold. */
export function check(condition: boolean, sentence: () => string): void {
  if (!condition) throw new Error(sentence());
}

export function checkShapeArgument(op: string, shape: unknown): readonly number[] {
  const ok =
    Array.isArray(shape) && shape.every((dim) => Number.isInteger(dim) && (dim as number) > 0);
  check(ok, () => `${op}: a shape is a list of positive integers, got ${JSON.stringify(shape)}`);
  return shape as readonly number[];
}
