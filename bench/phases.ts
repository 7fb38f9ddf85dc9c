// `tsx bench/phases.ts CASE [STEPS]`: where typegrad's training step of a bench case goes, by gemm's
// entry points (THREADS=n in the environment: fit's `threads`, instead of the case's). Each call of
// SimdGemm's band, multiplyAt, packAAt, packBAt and packBWithColumnSumsAt is timed by what it does
// (a recurrent walk, a product by its shape, a pack), the outermost call only (a pack's band job is
// the pack's time); then, in a second pass, how long the calling thread waited for the worker
// threads' chunks after its own, by job. Both as ms a step, the mean over STEPS steps after a warm-up.
// The profiler (bench/profile.ts) says which functions the time is in; this, which call of a step.

import { findCase } from "./cases";
import { typegradRunner } from "./peers/typegrad";
import { SimdGemm } from "../runtime/gemm/simd-gemm";
import { GemmThreads } from "../runtime/gemm/gemm-threads";
import { JOB } from "../runtime/gemm/gemm-job";
import { BANDS } from "../runtime/gemm/band-kernels";

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Totals in ms and calls, by label. */
class Tally {
  readonly ms = new Map<string, number>();
  readonly calls = new Map<string, number>();
  add(label: string, ms: number): void {
    this.ms.set(label, (this.ms.get(label) ?? 0) + ms);
    this.calls.set(label, (this.calls.get(label) ?? 0) + 1);
  }
  clear(): void {
    this.ms.clear();
    this.calls.clear();
  }
}

const entries = new Tally();
const waits = new Tally();
/** The tally the running pass fills, and how deep in its timed calls it is. */
let filling: Tally | null = null;
let depth = 0;

/** Times `method` of `proto` into `tally` under `label(self, args)` while the pass fills it, the outermost call only. */
function timeMethod(proto: object, method: string, tally: Tally, label: (self: unknown, args: unknown[]) => string): void {
  const methods = proto as Record<string, Method>;
  const original = methods[method]!;
  methods[method] = function (this: unknown, ...args: unknown[]) {
    if (filling !== tally || depth > 0) return original.apply(this, args);
    depth++;
    const start = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      depth--;
      tally.add(label(this, args), performance.now() - start);
    }
  };
}

const shape = (args: unknown[], ...at: number[]) => at.map((i) => args[i]).join("×");
const entryLabels: Record<string, (args: unknown[]) => string> = {
  band: (a) => String(a[0]),
  multiplyAt: (a) => `product ${shape(a, 0, 1, 2)}${a[4] ? ", A packed" : ""}`,
  packAAt: (a) => `packA ${shape(a, 2, 3)}${a[1] ? ", transposed" : ""}`,
  packBAt: (a) => `packB ${shape(a, 2, 3)}${a[1] ? ", transposed" : ""}`,
  packBWithColumnSumsAt: (a) => `packB with column sums ${shape(a, 1, 2)}`,
};
for (const [method, label] of Object.entries(entryLabels)) timeMethod(SimdGemm.prototype, method, entries, (_, args) => label(args));
// awaitChunks is private: the job block it waits on says which job it was
timeMethod(GemmThreads.prototype, "awaitChunks", waits, (self) => {
  const job = (self as { job: Int32Array }).job;
  const kind = job[JOB.kind]!;
  return kind === 0 ? `product ${job[JOB.m]}×${job[JOB.n]}×${job[JOB.k]}` : BANDS[kind - 1]!;
});

function table(title: string, tally: Tally, steps: number, stepMs: number): string {
  const rows = [...tally.ms].sort((a, b) => b[1] - a[1]);
  const lines = rows.map(([label, ms]) => `| ${label} | ${(tally.calls.get(label)! / steps).toFixed(1)} | ${(ms / steps).toFixed(3)} | ${((100 * ms) / steps / stepMs).toFixed(1)}% |`);
  return [`| ${title} | calls a step | ms a step | of the step |`, "|---|---|---|---|", ...lines].join("\n");
}

function main(): void {
  const [name, stepsArg] = process.argv.slice(2);
  if (!name) throw new Error("usage: tsx bench/phases.ts CASE [STEPS]");
  const found = findCase(name);
  if (found.kind === "texts") throw new Error(`bench: phases.ts times training steps; "${name}" is a texts case`);
  const c = process.env.THREADS ? { ...found, threads: Number(process.env.THREADS) } : found;
  const steps = Number(stepsArg ?? 100);
  const run = typegradRunner(c);
  run(Math.max(20, steps / 2)); // warm up: every hot function optimised, the workers started
  const pass = (tally: Tally): number => {
    tally.clear();
    filling = tally;
    const start = performance.now();
    run(steps);
    filling = null;
    return (performance.now() - start) / steps;
  };
  const stepMs = pass(entries);
  const inside = [...entries.ms.values()].reduce((sum, ms) => sum + ms, 0) / steps;
  console.log(`${found.description}: ${steps} steps, ${stepMs.toFixed(2)} ms a step with the timers on; ${(stepMs - inside).toFixed(2)} ms of it outside these calls.\n`);
  console.log(table("gemm's entry point", entries, steps, stepMs));
  const waitStepMs = pass(waits);
  console.log(`\nThe calling thread waiting for the workers' chunks after its own (a second pass, ${waitStepMs.toFixed(2)} ms a step):\n`);
  console.log(waits.ms.size ? table("job", waits, steps, waitStepMs) : "no job was shared");
}

main();
