// The register tile of one build of the gemm module, shared by its micro-kernel, its B packing and
// the scratch layout. All sizes in bytes unless named otherwise.

export const FLOAT_BYTES = 4;
export const VECTOR_BYTES = 16;
const FLOATS_PER_VECTOR = VECTOR_BYTES / FLOAT_BYTES;

/** Threads that may run the gemm module at once on one memory, each with a scratch tile of its own. */
export const MAX_GEMM_THREADS = 16;

export class Tile {
  /**
   * @param mr rows of C per micro-kernel call: one splatted A scalar each
   * @param nr columns of C per call: the width of a packed B panel, a whole number of f32x4 vectors
   */
  constructor(
    readonly mr: number,
    readonly nr: number,
  ) {
    if (!(Number.isInteger(mr) && mr >= 1 && Number.isInteger(nr) && nr >= FLOATS_PER_VECTOR && nr % FLOATS_PER_VECTOR === 0)) {
      throw new RangeError(`gemm tile: rows must be a positive integer and columns a positive multiple of ${FLOATS_PER_VECTOR}, got ${mr}×${nr}`);
    }
  }

  get vectorsPerRow(): number {
    return this.nr / FLOATS_PER_VECTOR;
  }

  get panelRowBytes(): number {
    return this.nr * FLOAT_BYTES;
  }

  get bytes(): number {
    return this.mr * this.panelRowBytes;
  }

  /** Where thread `thread` computes its edge tiles before their valid part is copied to C: the memory's first bytes hold one tile per thread. */
  scratchAddress(thread: number): number {
    return thread * this.bytes;
  }

  toString(): string {
    return `${this.mr}×${this.nr}`;
  }
}

/** The tile gemm uses: MR rows by NR columns. */
export const DEFAULT_TILE = new Tile(4, 8);
