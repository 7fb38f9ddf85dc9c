// One measurement in its own process: `tsx bench/worker.ts CASE IMPLEMENTATION SECONDS`.
// Warms up, then times batches of steps until SECONDS have passed; prints one JSON line.
// The torch-* peers run in Python (bench/peers/torch_bench.py, the same logic); this relays its line.

import { findCase } from "./cases";
import { brainRunner } from "./peers/brain";
import { tfjsRunner } from "./peers/tfjs";
import { findTorch, isTorch, measureTorch, TORCH_INSTALL } from "./peers/torch";
import { typegradRunner } from "./peers/typegrad";

/** Runs `steps` steps; returns how many it really ran when that can be fewer. */
type Runner = (steps: number) => void | number | Promise<void>;

async function runner(caseName: string, implementation: string): Promise<Runner> {
  const c = findCase(caseName);
  if (implementation === "typegrad") return typegradRunner(c);
  if (implementation === "brain.js") return brainRunner(c);
  if (implementation === "tfjs-cpu") return tfjsRunner(c, "cpu");
  if (implementation === "tfjs-wasm") return tfjsRunner(c, "wasm");
  throw new Error(`bench: unknown implementation "${implementation}"`);
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
  if (isTorch(implementation!)) {
    const torch = findTorch();
    if (!torch) throw new Error(`bench: no python3 imports torch; ${TORCH_INSTALL}`);
    process.stdout.write(measureTorch(torch.python, c, implementation!, seconds));
    return;
  }
  const run = await runner(caseName!, implementation!);
  const steps = await calibrate(run, Math.min(0.5, seconds / 4));
  let total = 0;
  let elapsed = 0;
  while (elapsed < seconds) {
    const start = performance.now();
    const ran = await run(steps);
    elapsed += (performance.now() - start) / 1000;
    total += typeof ran === "number" ? ran : steps;
  }
  const perSecond = (total / elapsed) * (c.unit === "samples/s" ? c.batch : 1);
  console.log(JSON.stringify({ case: caseName, implementation, perSecond, steps: total, seconds: elapsed }));
}

await main();
