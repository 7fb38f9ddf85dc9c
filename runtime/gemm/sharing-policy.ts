// Whether the next large product is shared with the worker threads. Sharing pays when the workers
// run; on a machine whose cores are taken by other work, a worker can be descheduled while it holds
// a chunk, and the calling thread then waits longer than computing alone would have taken. Two
// tests judge sharing, and a window that fails either is lost:
// - the pace: windows of WINDOW shared products, each against the time the calling thread would have
//   taken alone by its own pace (its time per chunk, times every chunk); a window is lost when it
//   saved less than MIN_GAIN of that time;
// - the cores (where the process' CPU clock is known): windows of CPU_WINDOW_MS or more, in which the
//   process' CPU time beyond the calling thread's (its wall time less its event loop's idling) must be
//   MIN_HELPER_SHARE or more of the time the helping threads were asked for (each shared product's
//   time, times its helpers). Another process on a core slows the calling thread's pace too, so the
//   pace alone misses it; but the threads then take turns on the cores left, and their CPU time shows
//   it (lstm's two threads had 1.87-1.91 cores' time here, and 1.0 beside a process spinning on one
//   of the two cores).
// The products after a lost window run alone: FIRST_ALONE after the first lost window, twice as many
// after each further one in a row (at most MAX_ALONE), before sharing is tried again. Who computes a
// chunk never changes a bit of C, so the policy affects only time.

import type { ProcessClock } from "../node-host";

export const WINDOW = 16;
const MIN_GAIN = 0.05;
export const FIRST_ALONE = 64;
export const MAX_ALONE = 8192;
/**
 * A window of the cores' test lasts this long at least, and until the helpers were asked for
 * MIN_ASKED_MS: long enough that the 4 ms ticks at which Linux counts a running thread's CPU time are
 * a small part. One that takes MAX_WINDOW_MS without is started again unjudged (the products shared
 * then are too few to matter).
 */
export const CPU_WINDOW_MS = 100;
export const MIN_ASKED_MS = 40;
export const MAX_WINDOW_MS = 1000;
export const MIN_HELPER_SHARE = 0.5;

/** Where a window of the cores' test started, and the helpers' time asked for since. */
interface CpuWindow {
  readonly wall: number;
  readonly cpu: number;
  readonly idle: number;
  asked: number;
}

export class SharingPolicy {
  private spent = 0;
  private alone = 0;
  private judged = 0;
  private lostInARow = 0;
  private runAlone = 0;
  private cpuWindow: CpuWindow | null = null;
  /** Windows lost so far (for tests and the curious). */
  lostWindows = 0;

  /** `clock`: the process' CPU and idle clocks, null where unknown (only the pace is judged then); `now`: the wall clock, in ms. */
  constructor(
    private readonly clock: ProcessClock | null = null,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Forgets what it saw (new workers). */
  reset(): void {
    this.spent = this.alone = this.judged = this.lostInARow = this.runAlone = 0;
    this.cpuWindow = null;
  }

  /** Whether to share this product (called once per large product). */
  share(): boolean {
    if (this.runAlone === 0) return true;
    this.runAlone--;
    return false;
  }

  /**
   * What a shared product took: `total` ms in all, of which the calling thread computed `ownChunks` of
   * `chunks` chunks in `own` ms (none: the product tells nothing of its pace, and is not judged), with
   * `helpers` worker threads asked to help.
   */
  record(total: number, own: number, chunks: number, ownChunks: number, helpers = 1): void {
    if (ownChunks === 0) return;
    if (this.starved(total * helpers)) return this.lose();
    this.spent += total;
    this.alone += (own / ownChunks) * chunks;
    if (++this.judged < WINDOW) return;
    const slow = this.spent > (1 - MIN_GAIN) * this.alone;
    this.spent = this.alone = this.judged = 0;
    if (slow) this.lose();
    // with a clock, sharing is known to pay only once the cores' test has passed too
    else if (!this.clock) this.lostInARow = 0;
  }

  /** The cores' test: adds the helpers' time asked for, and at the end of a window says whether they had too little of a CPU. */
  private starved(asked: number): boolean {
    if (!this.clock) return false;
    const wall = this.now();
    const window = this.cpuWindow;
    // a window starts as a product ends, so the next products' time is all inside it
    if (!window) {
      this.cpuWindow = { wall, cpu: this.clock.cpu(), idle: this.clock.idle(), asked: 0 };
      return false;
    }
    window.asked += asked;
    const elapsed = wall - window.wall;
    if (elapsed < CPU_WINDOW_MS || (window.asked < MIN_ASKED_MS && elapsed < MAX_WINDOW_MS)) return false;
    const [cpu, idle] = [this.clock.cpu(), this.clock.idle()];
    this.cpuWindow = { wall, cpu, idle, asked: 0 };
    if (window.asked < MIN_ASKED_MS) return false;
    const callerTime = elapsed - (idle - window.idle);
    const starved = cpu - window.cpu - callerTime < MIN_HELPER_SHARE * window.asked;
    if (!starved) this.lostInARow = 0;
    return starved;
  }

  private lose(): void {
    this.spent = this.alone = this.judged = 0;
    this.cpuWindow = null;
    this.lostWindows++;
    this.runAlone = Math.min(MAX_ALONE, FIRST_ALONE * 2 ** this.lostInARow++);
  }
}
