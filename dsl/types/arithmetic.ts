// Type-level arithmetic on number literals, digit by digit, so that dimensions of any size work
// (tuple-length counting stops near 1000). Numbers travel as reversed digit strings: "0521" is 1250.

type Digit = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";

type Units = {
  "0": [];
  "1": [0];
  "2": [0, 0];
  "3": [0, 0, 0];
  "4": [0, 0, 0, 0];
  "5": [0, 0, 0, 0, 0];
  "6": [0, 0, 0, 0, 0, 0];
  "7": [0, 0, 0, 0, 0, 0, 0];
  "8": [0, 0, 0, 0, 0, 0, 0, 0];
  "9": [0, 0, 0, 0, 0, 0, 0, 0, 0];
};

type Carry = "0" | "1";

/** a + b + carry for single digits: a number from 0 to 19. */
type DigitSum<A extends Digit, B extends Digit, C extends Carry> = [
  ...Units[A],
  ...Units[B],
  ...Units[C],
]["length"] &
  number;

type Reverse<S extends string> = S extends `${infer H}${infer T}` ? `${Reverse<T>}${H}` : "";

type AddStep<S extends number, A extends string, B extends string> = `${S}` extends `1${infer D extends Digit}`
  ? `${D}${AddReversed<A, B, "1">}`
  : `${S}${AddReversed<A, B, "0">}`;

type AddReversed<A extends string, B extends string, C extends Carry = "0"> = A extends `${infer X extends Digit}${infer AR}`
  ? B extends `${infer Y extends Digit}${infer BR}`
    ? AddStep<DigitSum<X, Y, C>, AR, BR>
    : AddStep<DigitSum<X, "0", C>, AR, "">
  : B extends `${infer Y extends Digit}${infer BR}`
    ? AddStep<DigitSum<"0", Y, C>, "", BR>
    : C extends "1"
      ? "1"
      : "";

type Counter = { "0": []; "1": [0]; "2": [0, 0]; "3": [0, 0, 0]; "4": [0, 0, 0, 0]; "5": [0, 0, 0, 0, 0]; "6": [0, 0, 0, 0, 0, 0]; "7": [0, 0, 0, 0, 0, 0, 0]; "8": [0, 0, 0, 0, 0, 0, 0, 0]; "9": [0, 0, 0, 0, 0, 0, 0, 0, 0] };

/** a * d for a reversed number a and one digit d, by at most nine additions. */
type TimesDigit<A extends string, N extends unknown[], Acc extends string = ""> = N extends [unknown, ...infer Rest]
  ? TimesDigit<A, Rest, AddReversed<Acc, A>>
  : Acc;

type MultiplyReversed<A extends string, B extends string> = B extends `${infer Y extends Digit}${infer BR}`
  ? AddReversed<TimesDigit<A, Counter[Y]>, BR extends "" ? "" : `0${MultiplyReversed<A, BR>}`>
  : "";

type TrimZeros<S extends string> = S extends `0${infer R}` ? (R extends "" ? "0" : TrimZeros<R>) : S extends "" ? "0" : S;

type ToNumber<S extends string> = TrimZeros<S> extends `${infer N extends number}` ? N : never;

/** A + B for non-negative integer literals; `number` when either is not a literal. */
export type Add<A extends number, B extends number> = number extends A | B
  ? number
  : ToNumber<Reverse<AddReversed<Reverse<`${A}`>, Reverse<`${B}`>>>>;

/** A * B for non-negative integer literals; `number` when either is not a literal. */
export type Multiply<A extends number, B extends number> = number extends A | B
  ? number
  : ToNumber<Reverse<MultiplyReversed<Reverse<`${A}`>, Reverse<`${B}`>>>>;

/** The sum of a tuple of integer literals. */
export type SumOf<T extends readonly number[]> = T extends readonly [infer H extends number, ...infer R extends number[]]
  ? Add<H, SumOf<R>>
  : number extends T["length"]
    ? number
    : 0;

/** The product of a tuple of integer literals (1 for the empty tuple). */
export type ProductOf<T extends readonly number[]> = T extends readonly [infer H extends number, ...infer R extends number[]]
  ? Multiply<H, ProductOf<R>>
  : number extends T["length"]
    ? number
    : 1;
