/** The distance between |y| and the next float32 up. */
export function ulpOf(y: number): number {
  const floats = new Float32Array([Math.abs(y)]);
  const bits = new Uint32Array(floats.buffer);
  const below = floats[0]!;
  bits[0]!++;
  return floats[0]! - below;
}
