// Two ways of running one training case timed against each other in one process: each timing runs
// enough steps for about SECONDS_A_TIMING, rounds alternate which side goes first, and the medians
// are compared (bench/against-revision.ts: two revisions; bench/threads.ts: two thread counts).

import { median } from "./median";

/** Runs `steps` training steps. */
export type Runner = (steps: number) => void;

const ROUNDS = 12;
const SECONDS_A_TIMING = 0.25;

/** Steps that take one timing about SECONDS_A_TIMING on this runner. */
function stepsFor(run: Runner): number {
  for (let steps = 1; ; steps *= 2) {
    const start = performance.now();
    run(steps);
    if ((performance.now() - start) / 1000 >= SECONDS_A_TIMING / 2) return steps * 2;
  }
}


/** The table's header: what the two sides are. */
export function alternatingHeader(first: string, second: string): string {
  return `Steps a second, median of ${ROUNDS} alternating timings in one process:\n\n| case | ${first} | ${second} | ratio |\n|---|---|---|---|`;
}

/** The case's table row: each side's median steps a second, and the second's over the first's. */
export function alternatingRow(caseName: string, first: Runner, second: Runner): string {
  const runners = [first, second];
  const steps = Math.max(...runners.map(stepsFor));
  const rates: number[][] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const start = performance.now();
      runners[i]!(steps);
      rates[i]!.push(steps / ((performance.now() - start) / 1000));
    }
  }
  const [a, b] = rates.map(median) as [number, number];
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  return `| ${caseName} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(3)}x |`;
}
