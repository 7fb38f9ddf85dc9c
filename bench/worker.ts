// One measurement in its own process: `tsx bench/worker.ts CASE IMPLEMENTATION SECONDS`.
// Warms up, then times batches of steps until SECONDS have passed; prints one JSON line. For
// typegrad's training cases, a separate pass after the timed one adds where the step's time goes
// (bench/step-breakdown.ts).
// The torch-* peers and keras_preprocessing run in Python (bench/peers/torch_bench.py and
// keras_preprocessing_bench.py, the same logic); this relays their line. A texts case's line carries a
// checksum of the last call's result too.

import { findCase, type Case } from "./cases";
import { brainRunner } from "./peers/brain";
import { findKerasPreprocessing, isKerasPreprocessing, KERAS_PREPROCESSING_INSTALL, measureKerasPreprocessing } from "./peers/keras-preprocessing";
import { tfjsRunner } from "./peers/tfjs";
import { findTorch, isTorch, measureTorch, TORCH_INSTALL } from "./peers/torch";
import { typegradRunner } from "./peers/typegrad";
import { typegradTextsRunner } from "./texts";
import { measureBreakdown, type StepBreakdown } from "./step-breakdown";

/** Runs `steps` steps; returns how many it really ran when that can be fewer. */
type Runner = (steps: number) => void | number | Promise<void>;

interface Measured {
  readonly run: Runner;
  readonly checksum?: () => string;
  /** Where a step's time goes, over `steps` steps run for it alone; `measured`: ms a step untimed. */
  readonly breakdown?: (steps: number, measured: number) => StepBreakdown;
}

async function runner(c: Case, implementation: string): Promise<Measured> {
  if (c.kind === "texts") {
    if (implementation === "typegrad") return typegradTextsRunner(c);
    throw new Error(`bench: no implementation "${implementation}" of the texts case "${c.name}"`);
  }
  if (implementation === "typegrad") {
    const run = typegradRunner(c);
    return { run, breakdown: (steps, measured) => measureBreakdown(run, steps, measured) };
  }
  if (implementation === "brain.js") return { run: brainRunner(c) };
  if (implementation === "tfjs-cpu") return { run: await tfjsRunner(c, "cpu") };
  if (implementation === "tfjs-wasm") return { run: await tfjsRunner(c, "wasm") };
  throw new Error(`bench: unknown implementation "${implementation}"`);
}

/** The Python peers' one measurement, or null for the implementations measured here. */
async function measureInPython(c: Case, implementation: string, seconds: number): Promise<string | null> {
  if (isTorch(implementation)) {
    if (c.kind === "texts") throw new Error(`bench: the texts case "${c.name}" has no ${implementation}`);
    const torch = findTorch();
    if (!torch) throw new Error(`bench: no python3 imports torch; ${TORCH_INSTALL}`);
    return measureTorch(torch.python, c, implementation, seconds);
  }
  if (isKerasPreprocessing(implementation)) {
    if (c.kind !== "texts") throw new Error(`bench: the case "${c.name}" has no ${implementation}`);
    const keras = findKerasPreprocessing();
    if (!keras) throw new Error(`bench: no python3 imports keras_preprocessing; ${KERAS_PREPROCESSING_INSTALL}`);
    return measureKerasPreprocessing(keras.python, c, seconds);
  }
  return null;
}

/** Grows the step count until one call takes at least `target` seconds. */
async function calibrate(run: Runner, target: number): Promise<number> {
  for (let steps = 1; steps < 2 ** 30; steps *= 2) {
    const start = performance.now();
    await run(steps);
    if ((performance.now() - start) / 1000 >= target) return steps;
  }
  throw new Error("bench: a step takes no measurable time");
}

async function main(): Promise<void> {
  const [caseName, implementation, secondsArg] = process.argv.slice(2);
  const seconds = Number(secondsArg ?? 2);
  const c = findCase(caseName!);
  const relayed = await measureInPython(c, implementation!, seconds);
  if (relayed !== null) {
    process.stdout.write(relayed);
    return;
  }
  const { run, checksum, breakdown } = await runner(c, implementation!);
  const steps = await calibrate(run, Math.min(0.5, seconds / 4));
  let total = 0;
  let elapsed = 0;
  while (elapsed < seconds) {
    const start = performance.now();
    const ran = await run(steps);
    elapsed += (performance.now() - start) / 1000;
    total += typeof ran === "number" ? ran : steps;
  }
  const perSecond = (total / elapsed) * (c.unit === "steps/s" ? 1 : c.batch);
  const stepBreakdown = breakdown?.(steps, (elapsed * 1000) / total); // after the timed loop: the timers never run in it
  console.log(JSON.stringify({ case: caseName, implementation, perSecond, steps: total, seconds: elapsed, ...(checksum && { checksum: checksum() }), ...(stepBreakdown && { stepBreakdown }) }));
}

await main();
