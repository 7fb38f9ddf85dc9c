// Seeded synthetic data for the examples: the same seed gives the same data set everywhere.
import { Random } from "typegrad/runtime";

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const rng = new Random(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal() * scale));
}

export function noise(count: number, seed: number, scale: number): number[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () => rng.normal() * scale);
}
