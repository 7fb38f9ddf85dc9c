// An opt-in wall-clock breakdown of training: how much of fit's (or trainOnBatch's) time goes to the
// products (gemm and the sparse products), the optimiser's update, the other generated kernels, and
// everything else (converting x and y, batching, the step guard, copying, callbacks: overhead). Off
// by default; when off, each timed place costs one predictable branch.
//
// The clock is a stack of parts: entering a part charges the time since the last reading to the part
// that was running, so a gemm inside a kernel is charged to gemm alone, and every interval of a window
// goes to exactly one part. The parts therefore add up to the window's total by construction.

/** The parts a training step's time is split into, by index into the totals. */
export const StepPart = { gemm: 0, optimiser: 1, otherKernels: 2, overhead: 3 } as const;
export type StepPart = (typeof StepPart)[keyof typeof StepPart];

/** Milliseconds spent in each part, and in the windows (fit, trainOnBatch) that hold them. */
export interface StepTimes {
  readonly gemm: number;
  readonly optimiser: number;
  readonly otherKernels: number;
  readonly overhead: number;
  /** The wall time of the outermost timed windows, read independently of the parts. */
  readonly total: number;
}

const MAX_DEPTH = 64;

class StepTimer {
  /** Whether timed places record; read on every timed call, so a plain field. */
  enabled = false;
  private readonly totals = new Float64Array(4);
  /** [0]: the last clock reading; [1]: when the outermost window opened; [2]: the windows' total. */
  private readonly clock = new Float64Array(3);
  private readonly parts = new Int32Array(MAX_DEPTH);
  private depth = 0;

  /** Starts recording (adding to what was recorded before). */
  enable(): void {
    this.enabled = true;
  }

  /** Stops recording; what was recorded stays readable. Call it outside any timed window. */
  disable(): void {
    this.enabled = false;
  }

  /** Forgets what was recorded. */
  reset(): void {
    this.totals.fill(0);
    this.clock[2] = 0;
  }

  read(): StepTimes {
    const t = this.totals;
    return { gemm: t[StepPart.gemm]!, optimiser: t[StepPart.optimiser]!, otherKernels: t[StepPart.otherKernels]!, overhead: t[StepPart.overhead]!, total: this.clock[2]! };
  }

  /** fn's result; when enabled, its time (less the parts timed inside it) is charged to `part`. For calls that may allocate (a closure). */
  timed<T>(part: StepPart, fn: () => T): T {
    if (!this.enabled) return fn();
    const depth = this.enter(part);
    try {
      return fn();
    } finally {
      this.exit(depth);
    }
  }

  /** Charges what ran so far to the running part and runs `part`; returns the depth to give exit. */
  enter(part: StepPart): number {
    const now = performance.now();
    const depth = this.depth;
    if (depth >= MAX_DEPTH) throw new Error(`step timing: timed parts nest deeper than ${MAX_DEPTH}`);
    if (depth === 0) this.clock[1] = now;
    else this.totals[this.parts[depth - 1]!] += now - this.clock[0]!;
    this.parts[depth] = part;
    this.depth = depth + 1;
    this.clock[0] = now;
    return depth;
  }

  /** Charges what ran since the last reading to the running part and returns to the part running before enter gave `depth`. */
  exit(depth: number): void {
    if (this.depth <= depth) return; // already unwound by an outer exit
    const now = performance.now();
    this.totals[this.parts[this.depth - 1]!] += now - this.clock[0]!;
    this.clock[0] = now;
    this.depth = depth;
    if (depth === 0) this.clock[2] += now - this.clock[1]!;
  }
}

/**
 * The process' one step timer. Generated code and the runtime record into it when enabled; the bench
 * reads it (bench/worker.ts). A window that throws is unwound by its exit in a finally.
 */
export const stepTimer = new StepTimer();
