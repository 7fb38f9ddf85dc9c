// Where typegrad's training step goes, by the runtime's step timer (runtime/step-timing.ts): gemm
// (with the sparse products), the optimiser, the other generated kernels, and overhead (the rest of
// fit: converting x and y, batching, the step guard, copying). Measured in a pass of its own after
// the timed measurement, so the timers never touch the throughput the bench reports.

import { stepTimer } from "../runtime/step-timing";

/** Milliseconds a step in each part. */
export interface StepBreakdown {
  readonly unit: "ms a step";
  readonly gemm: number;
  readonly optimiser: number;
  readonly otherKernels: number;
  readonly overhead: number;
  /** The step's time in the timed measurement, without the timers: what their own cost adds shows against it. */
  readonly measured: number;
}

const PARTS = [
  ["gemm", "gemm"],
  ["optimiser", "optimiser"],
  ["otherKernels", "other kernels"],
  ["overhead", "overhead"],
] as const;

/**
 * Runs `steps` training steps with the timer on, after a quarter as many to let V8 settle on the
 * timed branches; the mean time a step in each part. `measured`: ms a step in the timed measurement.
 */
export function measureBreakdown(run: (steps: number) => void, steps: number, measured: number): StepBreakdown {
  stepTimer.enable();
  try {
    run(Math.max(1, Math.floor(steps / 4)));
    stepTimer.reset();
    run(steps);
  } finally {
    stepTimer.disable();
  }
  const t = stepTimer.read();
  stepTimer.reset();
  return { unit: "ms a step", gemm: t.gemm / steps, optimiser: t.optimiser / steps, otherKernels: t.otherKernels / steps, overhead: t.overhead / steps, measured };
}

/** The step's total, the sum of its parts. */
export const breakdownTotal = (b: StepBreakdown): number => PARTS.reduce((sum, [key]) => sum + b[key], 0);

/** A duration in milliseconds, to three figures; in microseconds below a tenth of a millisecond. */
function duration(ms: number): string {
  if (ms === 0) return "0 ms";
  return ms >= 0.1 ? `${ms.toPrecision(3)} ms` : `${(ms * 1000).toPrecision(3)} µs`;
}

/** "gemm 11.6 ms (48%), optimiser 0.9 ms (4%), other kernels 6.1 ms (25%), overhead 5.5 ms (23%); 24.1 ms a step so timed, 23.5 ms untimed". */
export function breakdownLine(b: StepBreakdown): string {
  const total = breakdownTotal(b);
  const parts = PARTS.map(([key, label]) => `${label} ${duration(b[key])} (${Math.round((100 * b[key]) / total)}%)`).join(", ");
  return `${parts}; ${duration(total)} a step so timed, ${duration(b.measured)} untimed`;
}
