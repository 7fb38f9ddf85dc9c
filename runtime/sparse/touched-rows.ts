// Which rows of a sparse layer's kernel gradient hold anything. A batch of bag-of-words rows names a
// few thousand of the vocabulary's rows, so instead of zeroing the whole gradient before each
// scatter-add, each row the batch names is written from zero on its first touch and only the rows the
// previous batch wrote and this one does not are zeroed (clearStale). The gradient is then the same,
// bit for bit, as after zeroing it all, provided nothing else writes it between calls (the generated
// code asks for this only where the product is the gradient's one writer). An embedding's table
// gradient is zeroed by the ids its previous batch named instead (zero-written-rows.ts).

/** What one TypedArray fill call costs beyond its floats, in floats zeroed (measured: a row of 32 floats a call is slower than one memset of a 10,000-row table). */
export const ROW_FILL_OVERHEAD_FLOATS = 64;

/** Zeroes the rows rows[0 … count-1] of grad (rows of `width` floats). */
export type RowsZeroer = (grad: Float32Array, width: number, rows: Int32Array, count: number) => void;

export const fillRows: RowsZeroer = (grad, width, rows, count) => {
  for (let i = 0; i < count; i++) grad.fill(0, rows[i]! * width, (rows[i]! + 1) * width);
};

export class TouchedRows {
  /** Per row: the call that last wrote it (calls count from 1). */
  private readonly stamps: Int32Array;
  private call = 0;
  private current: Int32Array;
  private currentCount = 0;
  private previous: Int32Array;
  /** -1 before the first call: what the gradient holds is then unknown, and it is zeroed whole. */
  private previousCount = -1;

  constructor(readonly rowCount: number) {
    this.stamps = new Int32Array(rowCount);
    this.current = new Int32Array(rowCount);
    this.previous = new Int32Array(rowCount);
  }

  /** Starts a call: what the last call wrote becomes the previous rows. */
  begin(): void {
    this.call++;
    if (this.call > 1) {
      const swap = this.previous;
      this.previous = this.current;
      this.current = swap;
      this.previousCount = this.currentCount;
    }
    this.currentCount = 0;
  }

  /** Whether this call writes row `row` for the first time (recording it if so). */
  first(row: number): boolean {
    if (this.stamps[row] === this.call) return false;
    this.stamps[row] = this.call;
    this.current[this.currentCount++] = row;
    return true;
  }

  /**
   * Zeroes the rows of `grad` (rows of `width` floats) that hold an earlier call's sums and that this
   * call did not write: the previous call's, or on the first call every row not written now.
   */
  clearStale(grad: Float32Array, width: number): void {
    const call = this.call;
    if (this.previousCount < 0) {
      for (let row = 0; row < this.rowCount; row++) if (this.stamps[row] !== call) grad.fill(0, row * width, (row + 1) * width);
      return;
    }
    for (let i = 0; i < this.previousCount; i++) {
      const row = this.previous[i]!;
      if (this.stamps[row] !== call) grad.fill(0, row * width, (row + 1) * width);
    }
  }
}
