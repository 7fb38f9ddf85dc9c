// Turns what a user passes to fit/evaluate/predict into flat typed arrays, checking everything
// before any work: sizes, example counts, finite numbers, integer ids and class labels.

import type { IRInput } from "../dsl/ir";
import type { SparseExamples } from "./sparse-data";
import { product } from "./product";

/** A sparse input's examples as compressed sparse rows: row r's non-zeros are [indptr[r], indptr[r + 1]). */
export interface CsrData {
  readonly indptr: ArrayLike<number>;
  readonly indices: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** Examples: nested arrays (one entry per example), a flat row-major array, or CSR rows for a sparse input. */
export type ExampleData = ArrayLike<number> | readonly unknown[] | CsrData;

export interface Flat<T extends Float32Array | Int32Array = Float32Array | Int32Array> {
  readonly values: T;
  readonly count: number;
}

/** One input's examples: dense rows, or compressed sparse rows for a sparse input. */
export type InputRows = Flat | SparseExamples;

function flattenInto(value: unknown, out: number[], what: string): void {
  if (typeof value === "number") out.push(value);
  else if (Array.isArray(value)) for (const v of value) flattenInto(v, out, what);
  else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const view = value as unknown as ArrayLike<number>;
    for (let i = 0; i < view.length; i++) out.push(view[i]!);
  }
  else throw new Error(`${what}: expected numbers, got ${value === null ? "null" : typeof value}`);
}

function isFlat(data: unknown): data is ArrayLike<number> {
  return ArrayBuffer.isView(data) || (Array.isArray(data) && data.every((v) => typeof v === "number"));
}

const shapeText = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/**
 * Where one example's nesting departs from the shape (null when it fits): each level an array of the
 * dimension's length, or the whole example a flat list of all its numbers.
 */
function shapeMismatch(example: unknown, shape: readonly number[]): string | null {
  if (isFlat(example) && example.length === product(shape)) return null;
  const visit = (value: unknown, depth: number, at: string): string | null => {
    const where = at ? `, at ${at},` : "";
    if (depth === shape.length) return typeof value === "number" ? null : `${where} holds ${Array.isArray(value) ? "an array" : typeof value} where a number is expected`;
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return `${where} holds ${typeof value} where ${shape[depth]} entries are expected`;
    const items = value as ArrayLike<unknown>;
    const entries = (n: number) => `${n} ${n === 1 ? "entry" : "entries"}`;
    if (items.length !== shape[depth]) return `${where} has ${entries(items.length)} where ${shape[depth]} ${shape[depth] === 1 ? "is" : "are"} expected`;
    for (let i = 0; i < items.length; i++) {
      const found = visit(items[i], depth + 1, `${at}[${i}]`);
      if (found) return found;
    }
    return null;
  };
  return visit(example, 0, "");
}

/** Nested examples of a rank-2 (or higher) input must each have its shape: the first that does not is named. */
function checkExampleShapes(data: readonly unknown[], shape: readonly number[], what: string): void {
  for (let i = 0; i < data.length; i++) {
    const mismatch = shapeMismatch(data[i], shape);
    if (mismatch) throw new Error(`${what}: each example must have shape ${shapeText(shape)}; example ${i}${mismatch}`);
  }
}

/** All numbers of `data`, example-major, and the number of examples; `shape` (one example's) makes the messages name it. */
function numbers(data: unknown, perExample: number, what: string, shape?: readonly number[]): { flat: ArrayLike<number>; count: number } {
  if (data === null || data === undefined || typeof data !== "object") throw new Error(`${what}: expected an array of examples or a flat typed array, got ${String(data)}`);
  let flat: ArrayLike<number>;
  if (isFlat(data)) flat = data;
  else {
    if (shape && shape.length >= 2 && Array.isArray(data)) checkExampleShapes(data, shape, what);
    const out: number[] = [];
    flattenInto(data, out, what);
    flat = out;
    const examples = (data as unknown[]).length;
    if (out.length !== examples * perExample) {
      throw new Error(`${what}: each example must have ${perExample} numbers; got ${out.length} numbers for ${examples} examples`);
    }
  }
  if (flat.length % perExample !== 0) {
    const of = shape && shape.length >= 2 ? ` (shape ${shapeText(shape)})` : "";
    throw new Error(`${what}: ${flat.length} numbers is not a multiple of the ${perExample} per example${of}`);
  }
  if (flat.length === 0) throw new Error(`${what}: no examples`);
  return { flat, count: flat.length / perExample };
}

function checkFinite(flat: ArrayLike<number>, perExample: number, what: string): void {
  for (let i = 0; i < flat.length; i++) {
    if (!Number.isFinite(flat[i])) throw new Error(`${what}: example ${Math.floor(i / perExample)} holds ${flat[i]} (NaN or infinite) at position ${i % perExample}`);
  }
}

/**
 * One input's examples as flat typed arrays. Token ids (an int32 input) must be integers, and below
 * `idLimit` when the input feeds an embedding (its inputDim).
 */
export function flattenInput(data: unknown, input: IRInput, what: string, idLimit: number | null = null): Flat {
  const perExample = product(input.shape);
  const { flat, count } = numbers(data, perExample, what, input.shape);
  checkFinite(flat, perExample, what);
  if (input.dtype === "int32") {
    checkTokenIds(flat, perExample, what, idLimit);
    return { values: Int32Array.from(flat), count };
  }
  return { values: Float32Array.from(flat), count };
}

function checkTokenIds(flat: ArrayLike<number>, perExample: number, what: string, idLimit: number | null): void {
  const range = idLimit === null ? "integers of at least 0" : `integers in [0, ${idLimit}) (the embedding's inputDim is ${idLimit})`;
  for (let i = 0; i < flat.length; i++) {
    const id = flat[i]!;
    if (!Number.isInteger(id) || id < 0 || (idLimit !== null && id >= idLimit)) {
      throw new Error(`${what}: token ids must be ${range}; example ${Math.floor(i / perExample)} holds ${id} at position ${i % perExample}`);
    }
  }
}

export interface TargetRule {
  /** Numbers per example in the target buffer. */
  readonly perExample: number;
  /** For sparse labels: the number of classes; labels must lie in [0, classes). */
  readonly classes?: number;
  /** For one-hot targets: the row width expected. */
  readonly oneHotWidth?: number;
}

export function flattenTargets(data: unknown, rule: TargetRule, what: string): Flat<Float32Array> {
  if (rule.oneHotWidth !== undefined && Array.isArray(data) && Array.isArray(data[0])) {
    const width = (data[0] as unknown[]).length;
    if (width !== rule.oneHotWidth) throw new Error(`${what}: one-hot rows must have ${rule.oneHotWidth} entries (one per class), got ${width}`);
  }
  const { flat, count } = numbers(data, rule.perExample, what);
  checkFinite(flat, rule.perExample, what);
  if (rule.classes !== undefined) {
    for (let i = 0; i < flat.length; i++) {
      const label = flat[i]!;
      if (!Number.isInteger(label) || label < 0 || label >= rule.classes) {
        throw new Error(`${what}: class labels must be integers in [0, ${rule.classes}); example ${Math.floor(i / rule.perExample)} has ${label}`);
      }
    }
  }
  return { values: Float32Array.from(flat), count };
}
