// `tsx bench/threads.ts [CASE...]`: typegrad's training cases on one thread against its default
// ("auto": every core, products shared only where the sharing policy finds it pays), the two runners
// timed in alternation in one process (bench/alternating.ts). Prints
// each case's median steps a second either way and their ratio: the check that the default never
// makes a model slower. Every training case by default.

import { CASES, findCase, type TrainingCase } from "./cases";
import { typegradRunner } from "./peers/typegrad";
import { alternatingHeader, alternatingRow } from "./alternating";

function compare(c: TrainingCase): string {
  return alternatingRow(c.name, typegradRunner({ ...c, threads: 1 }), typegradRunner({ ...c, threads: undefined }));
}

function main(): void {
  const named = process.argv.slice(2);
  const cases = (named.length ? named.map(findCase) : CASES).filter((c): c is TrainingCase => c.kind !== "texts" && c.threads === undefined);
  console.log(alternatingHeader("threads 1", "threads auto"));
  for (const c of cases) console.log(compare(c));
  process.exit(0);
}

main();
