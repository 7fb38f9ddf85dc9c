// Views of regions of a WebAssembly memory by byte address, kept from call to call (so that copying a
// tape in or out allocates nothing after the first call of its shape) and made anew when the memory
// has grown (a grown memory has a new buffer).

export class AddressViews {
  private buffer: ArrayBufferLike | null = null;
  private readonly views = new Map<number, Float32Array>();

  /** `count` floats from byte address `at` of `memory` (the memory as floats, as of its last growth). */
  at(memory: Float32Array, at: number, count: number): Float32Array {
    if (memory.buffer !== this.buffer) {
      this.views.clear();
      this.buffer = memory.buffer;
    }
    const kept = this.views.get(at);
    if (kept && kept.length === count) return kept;
    const made = new Float32Array(memory.buffer, at, count);
    this.views.set(at, made);
    return made;
  }
}
