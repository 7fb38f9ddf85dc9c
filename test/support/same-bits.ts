// Bit-for-bit comparison of float arrays that says where they first differ: a failing toEqual on
// typed arrays of thousands of floats spends minutes formatting its diff.

/** The index of the first float whose bits differ between x and y (the shorter length where the lengths differ), or -1. */
export function firstDifference(x: Float32Array, y: Float32Array): number {
  const [a, b] = [new Uint32Array(x.buffer, x.byteOffset, x.length), new Uint32Array(y.buffer, y.byteOffset, y.length)];
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** "same" when each actual array has the bits of its expected one, else where the first difference is. */
export function sameBits(actual: readonly Float32Array[], expected: readonly Float32Array[]): string {
  if (actual.length !== expected.length) return `${actual.length} arrays, expected ${expected.length}`;
  for (let n = 0; n < actual.length; n++) {
    const at = firstDifference(actual[n]!, expected[n]!);
    if (at >= 0) return `array ${n} differs first at float ${at}: ${actual[n]![at]} (length ${actual[n]!.length}), expected ${expected[n]![at]} (length ${expected[n]!.length})`;
  }
  return "same";
}
