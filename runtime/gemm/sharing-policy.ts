// Whether the next large product is shared with the worker threads. Sharing pays when the workers
// run; on a machine whose cores are taken by other work, a worker can be descheduled while it holds
// a chunk, and the calling thread then waits longer than computing alone would have taken. After each
// shared product the policy compares its time with the calling thread's own pace (its time per chunk,
// times every chunk): slower than that is a stall, and the products after a stall run alone, twice as
// many after each further stall in a row (at most MAX_ALONE), before sharing is tried again. Who
// computes a chunk never changes a bit of C, so the policy affects only time.

/** Products run alone after a run of stalls, at most. */
export const MAX_ALONE = 256;

export class SharingPolicy {
  private stalls = 0;
  private alone = 0;
  /** Stalls seen so far (for tests and the curious). */
  stallCount = 0;

  /** Forgets the stalls (new workers). */
  reset(): void {
    this.stalls = 0;
    this.alone = 0;
  }

  /** Whether to share this product (called once per large product). */
  share(): boolean {
    if (this.alone === 0) return true;
    this.alone--;
    return false;
  }

  /**
   * What a shared product took: `total` ms in all, of which the calling thread computed `ownChunks` of
   * `chunks` chunks in `own` ms.
   */
  record(total: number, own: number, chunks: number, ownChunks: number): void {
    const alone = ownChunks > 0 ? (own / ownChunks) * chunks : Infinity;
    if (total <= alone) {
      this.stalls = 0;
      return;
    }
    this.stallCount++;
    this.stalls++;
    this.alone = Math.min(MAX_ALONE, 2 ** this.stalls);
  }
}
