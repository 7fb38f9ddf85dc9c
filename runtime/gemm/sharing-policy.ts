// Whether the next large product is shared with the worker threads. Sharing pays when the workers
// run; on a machine whose cores are taken by other work, a worker can be descheduled while it holds
// a chunk, and the calling thread then waits longer than computing alone would have taken. The
// policy judges sharing by windows of WINDOW shared products: each product's time against the
// calling thread's own pace (its time per chunk, times every chunk). A window that saved less than
// MIN_GAIN of that time is a lost one, and the products after it run alone: FIRST_ALONE after the
// first lost window, twice as many after each further one in a row (at most MAX_ALONE), before
// sharing is tried again. Who computes a chunk never changes a bit of C, so the policy affects only time.

export const WINDOW = 16;
const MIN_GAIN = 0.05;
export const FIRST_ALONE = 64;
export const MAX_ALONE = 8192;

export class SharingPolicy {
  private spent = 0;
  private alone = 0;
  private judged = 0;
  private lostInARow = 0;
  private runAlone = 0;
  /** Windows lost so far (for tests and the curious). */
  lostWindows = 0;

  /** Forgets what it saw (new workers). */
  reset(): void {
    this.spent = this.alone = this.judged = this.lostInARow = this.runAlone = 0;
  }

  /** Whether to share this product (called once per large product). */
  share(): boolean {
    if (this.runAlone === 0) return true;
    this.runAlone--;
    return false;
  }

  /**
   * What a shared product took: `total` ms in all, of which the calling thread computed `ownChunks` of
   * `chunks` chunks in `own` ms (none: the product tells nothing of its pace, and is not judged).
   */
  record(total: number, own: number, chunks: number, ownChunks: number): void {
    if (ownChunks === 0) return;
    this.spent += total;
    this.alone += (own / ownChunks) * chunks;
    if (++this.judged < WINDOW) return;
    const lost = this.spent > (1 - MIN_GAIN) * this.alone;
    this.spent = this.alone = this.judged = 0;
    if (!lost) {
      this.lostInARow = 0;
      return;
    }
    this.lostWindows++;
    this.runAlone = Math.min(MAX_ALONE, FIRST_ALONE * 2 ** this.lostInARow++);
  }
}
