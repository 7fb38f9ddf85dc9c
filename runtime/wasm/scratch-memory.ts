// The wasm module's memory seen from JS: grown only when a larger problem arrives, never shrunk.
// Growing detaches the old ArrayBuffer, so every view is made anew after it.

const PAGE_BYTES = 65536;
/** Distinct window sizes kept; a model has a handful of layer shapes, so this is rarely reached. */
const MAX_WINDOWS = 64;

export interface GrowableMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

export class ScratchMemory {
  private view: Float32Array;
  private readonly windows = new Map<number, Float32Array>();

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

  /** `count` floats from byte address `at`, as a view kept for the next call of the same size (no allocation then). */
  window(at: number, count: number): Float32Array {
    const kept = this.windows.get(count);
    if (kept && kept.byteOffset === at && kept.buffer === this.view.buffer) return kept;
    if (this.windows.size >= MAX_WINDOWS) this.windows.clear();
    const made = new Float32Array(this.view.buffer, at, count);
    this.windows.set(count, made);
    return made;
  }
}
