// `tsx bench/threads.ts [CASE...]`: typegrad's training cases on one thread against its default
// ("auto": every core, products shared only where the sharing policy finds it pays), the two runners
// timed in alternation in one process (as bench/against-revision.ts times two revisions). Prints
// each case's median steps a second either way and their ratio: the check that the default never
// makes a model slower. Every training case by default.

import { CASES, findCase, type TrainingCase } from "./cases";
import { typegradRunner } from "./peers/typegrad";

const ROUNDS = 12;
const SECONDS_A_TIMING = 0.25;

type Runner = (steps: number) => void;

function stepsFor(run: Runner): number {
  for (let steps = 1; ; steps *= 2) {
    const start = performance.now();
    run(steps);
    if ((performance.now() - start) / 1000 >= SECONDS_A_TIMING / 2) return steps * 2;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function compare(c: TrainingCase): string {
  const runners = [typegradRunner({ ...c, threads: 1 }), typegradRunner({ ...c, threads: undefined })];
  const steps = Math.max(...runners.map(stepsFor));
  const rates: number[][] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const start = performance.now();
      runners[i]!(steps);
      rates[i]!.push(steps / ((performance.now() - start) / 1000));
    }
  }
  const [one, auto] = rates.map(median) as [number, number];
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  return `| ${c.name} | ${fmt(one)} | ${fmt(auto)} | ${(auto / one).toFixed(3)}x |`;
}

function main(): void {
  const named = process.argv.slice(2);
  const cases = (named.length ? named.map(findCase) : CASES).filter((c): c is TrainingCase => c.kind !== "texts" && c.threads === undefined);
  console.log(`Steps a second, median of ${ROUNDS} alternating timings in one process:\n`);
  console.log("| case | threads 1 | threads auto | ratio |\n|---|---|---|---|");
  for (const c of cases) console.log(compare(c));
  process.exit(0);
}

main();
