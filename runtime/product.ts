/** The number of elements of a shape. */
export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
