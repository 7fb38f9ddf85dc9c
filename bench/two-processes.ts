// `tsx bench/two-processes.ts [CASE...]`: what a second core could give a training case here, measured
// without threads. Each round times the case on one thread in one process, then on one thread in each
// of two processes at once, over the same seconds (the processes load and warm up first, then start
// together at an agreed time); rounds alternate which goes first. Two processes share nothing but the
// machine (its caches, memory bandwidth and clock), so their summed steps a second over one process's
// is the most typegrad's own two threads could reach on this machine at this time; bench/threads.ts
// gives what they do reach. The lstm case by default.
//
// `tsx bench/two-processes.ts --child CASE START_AT SECONDS` is one process: it prints its steps a
// second (a JSON line) over SECONDS from START_AT (milliseconds since the epoch).

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { findCase, type TrainingCase } from "./cases";
import { typegradRunner } from "./peers/typegrad";
import { median } from "./median";

const ROUNDS = 3;
const SECONDS_A_TIMING = 4;
/** Time for a process to start, load its model and warm up before the timing starts together. */
const START_MARGIN_MS = 8000;
/** A process that starts timing later than this after the agreed time did not overlap its twin. */
const LATE_MS = 200;
const WARM_UP_STEPS = 30;

const self = fileURLToPath(import.meta.url);
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

interface ChildResult {
  readonly stepsPerSecond: number;
  readonly lateMs: number;
}

function trainingCase(name: string): TrainingCase {
  const c = findCase(name);
  if (c.kind === "texts") throw new Error(`bench/two-processes: ${name} is not a training case`);
  return c;
}

/** One process's part: warm up, wait for the agreed time, count the steps made in `seconds`. */
function child(name: string, startAt: number, seconds: number): void {
  const run = typegradRunner({ ...trainingCase(name), threads: 1 });
  run(WARM_UP_STEPS);
  while (Date.now() < startAt) {
    // waiting on the clock itself, so that both processes start within a millisecond or so
  }
  const lateMs = Date.now() - startAt;
  const start = performance.now();
  let steps = 0;
  while (performance.now() - start < seconds * 1000) {
    run(1);
    steps++;
  }
  const result: ChildResult = { stepsPerSecond: steps / ((performance.now() - start) / 1000), lateMs };
  console.log(JSON.stringify(result));
}

function runChild(name: string, startAt: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(tsx, [self, "--child", name, String(startAt), String(SECONDS_A_TIMING)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    process_.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    process_.on("error", reject);
    process_.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) return reject(new Error(`bench/two-processes: a process for ${name} exited with ${code} and printed no result`));
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

/** Summed steps a second of `count` processes timed together. */
async function together(name: string, count: number): Promise<number> {
  const startAt = Date.now() + START_MARGIN_MS;
  const results = await Promise.all(Array.from({ length: count }, () => runChild(name, startAt)));
  const late = results.find((r) => r.lateMs > LATE_MS);
  if (late) throw new Error(`bench/two-processes: a process started ${late.lateMs} ms late (${START_MARGIN_MS} ms were allowed to get ready): the machine is too busy to time them together`);
  return results.reduce((sum, r) => sum + r.stepsPerSecond, 0);
}


async function compare(name: string): Promise<string> {
  const rates: [number[], number[]] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) rates[i]!.push(await together(name, i + 1));
  }
  const [one, two] = rates.map(median) as [number, number];
  return `| ${name} | ${one.toFixed(1)} | ${two.toFixed(1)} | ${(two / one).toFixed(3)}x |`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") return child(args[1]!, Number(args[2]), Number(args[3]));
  const names = args.length ? args : ["lstm"];
  names.forEach(trainingCase);
  console.log(`Steps a second on one thread, median of ${ROUNDS} rounds of ${SECONDS_A_TIMING} s: one process, and two processes at once (summed):\n`);
  console.log("| case | one process | two processes | ratio |\n|---|---|---|---|");
  for (const name of names) console.log(await compare(name));
}

await main();
