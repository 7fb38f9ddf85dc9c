// Shapes are per example (the batch is implicit), tuples of number literals.

export type Shape = readonly number[];
export type DType = "float32" | "int32";

/** A readonly tuple as a plain tuple, so results are assignable to `Tensor<[4]>`. */
export type Writable<S extends Shape> = [...S];

export type Rank<S extends Shape> = S["length"];

export type Last<S extends Shape> = S extends readonly [...number[], infer L extends number] ? L : number;

export type Leading<S extends Shape> = S extends readonly [...infer I extends number[], number] ? I : number[];

type Join<S extends Shape> = S extends readonly [infer H extends number, ...infer R extends number[]]
  ? R extends []
    ? `${H}`
    : `${H}, ${Join<R>}`
  : "";

/** `[3, 8]` as the text "[3, 8]", for messages. */
export type ShapeText<S extends Shape> = number extends S["length"] ? "[...]" : `[${Join<S>}]`;

/** True when both shapes are the same tuple (or either is not known literally). */
export type SameShape<A extends Shape, B extends Shape> = number extends A["length"] | B["length"]
  ? true
  : [A] extends [B]
    ? [B] extends [A]
      ? true
      : false
    : false;

/** True when the dimensions are equal, or either is not a literal. */
export type SameDim<A extends number, B extends number> = number extends A | B ? true : [A] extends [B] ? true : false;

/** The shape without the axis at a non-negative index. */
export type RemoveAxis<S extends Shape, A extends number, Seen extends number[] = []> = S extends readonly [
  infer H extends number,
  ...infer R extends number[],
]
  ? Seen["length"] extends A
    ? [...Seen, ...R]
    : RemoveAxis<R, A, [...Seen, H]>
  : Seen;
