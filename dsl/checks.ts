// Run-time checks shared by ops and layers. Each sentence matches its type-level twin word for word.

import { isTensor, type AnyTensor } from "./tensor";

export function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null || value === undefined) return String(value);
  return typeof value === "object" || typeof value === "function" ? `a ${typeof value}` : `${typeof value} ${String(value)}`;
}

export function checkTensor(op: string, x: unknown): asserts x is AnyTensor {
  if (!isTensor(x)) throw new Error(`${op}: expects a tensor, got ${describe(x)}`);
}

export function checkFloat(op: string, x: AnyTensor): void {
  if (x.dtype !== "float32") throw new Error(`${op}: needs float32 input, got ${x.dtype}`);
}

export function checkPositiveInteger(op: string, key: string, value: unknown): number {
  if (!(Number.isInteger(value) && (value as number) > 0)) {
    throw new Error(`${op}: ${key} must be a positive integer, got ${describe(value)}`);
  }
  return value as number;
}
