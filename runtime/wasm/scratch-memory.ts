// The wasm module's memory seen from JS: grown only when a larger problem arrives, never shrunk.
// Growing detaches the old ArrayBuffer (or, for a shared memory, gives a new one), so every view is
// made anew after it.

const PAGE_BYTES = 65536;
/** Distinct window addresses kept; a model has a handful of layer shapes, so this is rarely reached. */
const MAX_WINDOWS = 64;

export interface GrowableMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

export class ScratchMemory {
  private view: Float32Array;
  /** Views kept by byte address, then by size. */
  private readonly windows = new Map<number, Map<number, Float32Array>>();

  constructor(private readonly memory: GrowableMemory) {
    this.view = new Float32Array(memory.buffer);
  }

  /** The whole memory as floats, grown first to at least `bytes`. */
  floats(bytes: number): Float32Array {
    const missing = bytes - this.memory.buffer.byteLength;
    if (missing > 0) {
      this.memory.grow(Math.ceil(missing / PAGE_BYTES));
      this.view = new Float32Array(this.memory.buffer);
      this.windows.clear();
    }
    return this.view;
  }

  /** `count` floats from byte address `at`, as a view kept for the next call with the same address and size (no allocation then). */
  window(at: number, count: number): Float32Array {
    const kept = this.windows.get(at)?.get(count);
    if (kept) return kept;
    if (this.windows.size >= MAX_WINDOWS) this.windows.clear();
    let sizes = this.windows.get(at);
    if (!sizes) this.windows.set(at, (sizes = new Map()));
    const made = new Float32Array(this.view.buffer, at, count);
    sizes.set(count, made);
    return made;
  }
}
