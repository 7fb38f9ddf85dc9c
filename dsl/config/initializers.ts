// Weight initialisers as plain configs (the runtime draws the numbers from the model's seeded
// generator). Formulas as Keras: Glorot uniform limit sqrt(6/(fanIn+fanOut)), He normal sigma
// sqrt(2/fanIn), and so on.

import { product, sameShape, shapeText } from "../shapes";

export type FanInitializerName = "glorotUniform" | "glorotNormal" | "heUniform" | "heNormal";
export type InitializerName = FanInitializerName | "orthogonal" | "zeros" | "ones" | "randomUniform" | "randomNormal";

export type InitializerConfig =
  | { readonly name: FanInitializerName | "zeros" | "ones" }
  | { readonly name: "orthogonal"; readonly gain: number }
  | { readonly name: "randomUniform"; readonly minval: number; readonly maxval: number }
  | { readonly name: "randomNormal"; readonly mean: number; readonly stddev: number }
  | { readonly name: "constant"; readonly value: number }
  | { readonly name: "values"; readonly values: readonly number[] }
  /** An LSTM bias: `base`, with ones on the forget gate's slice [units, 2 * units). */
  | { readonly name: "unitForgetBias"; readonly units: number; readonly base: InitializerConfig };

/** Nested arrays of numbers: explicit weights, row-major, kernels laid out [in, out]. */
export type NestedNumbers = readonly (number | NestedNumbers)[];

/** What a user may pass where an initialiser is expected. */
export type InitializerArg = InitializerName | InitializerConfig | NestedNumbers;

const NAMES: readonly InitializerName[] = [
  "glorotUniform",
  "glorotNormal",
  "heUniform",
  "heNormal",
  "orthogonal",
  "zeros",
  "ones",
  "randomUniform",
  "randomNormal",
];

export const glorotUniform = (): InitializerConfig => ({ name: "glorotUniform" });
export const glorotNormal = (): InitializerConfig => ({ name: "glorotNormal" });
export const heUniform = (): InitializerConfig => ({ name: "heUniform" });
export const heNormal = (): InitializerConfig => ({ name: "heNormal" });
export const zeros = (): InitializerConfig => ({ name: "zeros" });
export const ones = (): InitializerConfig => ({ name: "ones" });
export const orthogonal = ({ gain = 1 }: { gain?: number } = {}): InitializerConfig => ({ name: "orthogonal", gain });
export const constant = (value: number): InitializerConfig => ({ name: "constant", value });

export function randomUniform({ minval = -0.05, maxval = 0.05 }: { minval?: number; maxval?: number } = {}): InitializerConfig {
  if (!(minval < maxval)) throw new Error(`randomUniform: minval must be below maxval, got ${minval} and ${maxval}`);
  return { name: "randomUniform", minval, maxval };
}

export function randomNormal({ mean = 0, stddev = 0.05 }: { mean?: number; stddev?: number } = {}): InitializerConfig {
  if (!(stddev > 0)) throw new Error(`randomNormal: stddev must be positive, got ${stddev}`);
  return { name: "randomNormal", mean, stddev };
}

/** The shape of nested arrays, or null when they are ragged (rows of different lengths or depths). */
function shapeOfNested(values: NestedNumbers): number[] | null {
  if (!values.some(Array.isArray)) return [values.length];
  if (!values.every(Array.isArray)) return null;
  const inner = values.map((v) => shapeOfNested(v as NestedNumbers));
  const first = inner[0];
  if (!first || inner.some((s) => s === null || s.join() !== first.join())) return null;
  return [values.length, ...first];
}

function flattenNested(values: NestedNumbers, into: number[] = []): number[] {
  for (const value of values) {
    if (Array.isArray(value)) flattenNested(value as NestedNumbers, into);
    else into.push(value as number);
  }
  return into;
}

function fromValues(values: NestedNumbers, shape: readonly number[], what: string): InitializerConfig {
  const given = shapeOfNested(values);
  const flat = flattenNested(values);
  if (given === null) throw new Error(`${what}: values must have shape ${shapeText(shape)}, got ragged rows`);
  if (!sameShape(given, shape) || flat.length !== product(shape)) {
    throw new Error(`${what}: values must have shape ${shapeText(shape)}, got ${shapeText(given)}`);
  }
  if (!flat.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new Error(`${what}: values must be finite numbers`);
  }
  return { name: "values", values: flat };
}

/** Resolves a user's initialiser argument for a weight of the given shape. */
export function resolveInitializer(arg: InitializerArg, shape: readonly number[], what: string): InitializerConfig {
  if (typeof arg === "string") {
    if (!NAMES.includes(arg)) throw new Error(`${what}: unknown initializer "${arg}"; expected one of ${NAMES.join(", ")}`);
    if (arg === "orthogonal") return orthogonal();
    if (arg === "randomUniform") return randomUniform();
    if (arg === "randomNormal") return randomNormal();
    return { name: arg };
  }
  if (Array.isArray(arg)) return fromValues(arg as NestedNumbers, shape, what);
  if (arg && typeof arg === "object" && "name" in arg) return arg as InitializerConfig;
  throw new Error(`${what}: expected an initializer name, config or nested array of numbers, got ${JSON.stringify(arg)}`);
}
