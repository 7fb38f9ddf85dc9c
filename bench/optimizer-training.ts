// `npx tsx bench/optimizer-training.ts [--seconds 2] [--rounds 5] [CASE...]`: training steps per second
// of bench cases (bench/cases.ts, default mlp, text, lstm, nnlm) with the optimiser on its "auto" path
// (WebAssembly SIMD in float32 lanes for these models) and on its JavaScript one, in one process, the
// two models alternating round after round (the machine may be shared); each figure is the median.
// The JavaScript model gets its optimiser swapped after construction (a bench-only reach into the
// model's protected fields: users pick no path).

import { cpus } from "node:os";
import { createOptimizer, type OptimizerPath } from "../runtime/optimizers";
import { caseData, findCase, type TrainingCase } from "./cases";
import { typegradRunner } from "./peers/typegrad";
import { median } from "./median";

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}


interface Reachable {
  optimizer: unknown;
  trainableWeights(): Float32Array[];
  spec: { training: { optimizer: Parameters<typeof createOptimizer>[0] } };
}

/** The case's runner, its model's optimiser on `path`. */
function runnerOn(c: TrainingCase, path: OptimizerPath): (steps: number) => void {
  let made: Reachable | undefined;
  const run = typegradRunner(c, (net) => (made = net as unknown as Reachable));
  made!.optimizer = createOptimizer(made!.spec.training.optimizer, made!.trainableWeights(), path);
  return run;
}

function stepsPerSecond(run: (steps: number) => void, steps: number, seconds: number): number {
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    run(steps);
    done += steps;
  }
  return (done * 1000) / (performance.now() - start);
}

function main(): void {
  const seconds = option("--seconds", 2);
  const rounds = option("--rounds", 5);
  const names = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));
  const lines = ["| case | steps/s, optimiser auto (SIMD) | steps/s, optimiser JS | auto / JS |", "|---|---|---|---|"];
  for (const name of names.length ? names : ["mlp", "text", "lstm", "nnlm"]) {
    const c = findCase(name);
    if (c.kind === "texts") throw new Error(`bench/optimizer-training: ${name} is a preprocessing case; name a training case (mlp, text, lstm, nnlm, ...)`);
    caseData(c);
    const runs = (["auto", "js"] as const).map((path) => runnerOn(c, path));
    runs.forEach((run) => run(2)); // warm-up
    const steps = Math.max(1, Math.round(stepsPerSecond(runs[0]!, 1, 0.5) * 0.2));
    const times = runs.map((): number[] => []);
    for (let round = 0; round < rounds; round++) runs.forEach((run, r) => times[r]!.push(stepsPerSecond(run, steps, seconds)));
    const [auto, js] = times.map(median) as [number, number];
    lines.push(`| ${name} | ${auto.toFixed(1)} | ${js.toFixed(1)} | ${(auto / js).toFixed(2)}x |`);
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  console.log(`Training steps of bench cases on ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; median of ${rounds} alternating rounds of ${seconds} s.\n`);
  console.log(lines.join("\n"));
}

main();
