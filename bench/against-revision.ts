// `tsx bench/against-revision.ts REV [CASE...]`: typegrad's training cases at git revision REV against
// the working tree, in one process: both trees' runners (bench/peers/typegrad.ts) are loaded side by
// side and timed in alternation, so that the machine's drift and load fall on both alike. Prints each
// case's median steps a second on either side and their ratio. REV is checked out in a temporary git
// worktree (sharing this tree's node_modules), removed at the end. Cases: xor and seed by default.
//
// The bench's runs (bench/run.ts) time each implementation in its own process, where V8's tiering
// can differ from process to process by more than a change of a few percent in a small model's step;
// here both sides share one process, and a round alternates which goes first.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

type Runner = (steps: number) => void;
interface Tree {
  readonly name: string;
  runner(caseName: string): Promise<Runner>;
}

const ROUNDS = 12;
const SECONDS_A_TIMING = 0.25;
const root = fileURLToPath(new URL("..", import.meta.url));

function treeAt(name: string, dir: string): Tree {
  return {
    name,
    async runner(caseName) {
      const cases = await import(pathToFileURL(join(dir, "bench/cases.ts")).href);
      const peers = await import(pathToFileURL(join(dir, "bench/peers/typegrad.ts")).href);
      try {
        return peers.typegradRunner(cases.findCase(caseName));
      } catch (error) {
        throw new Error(`against-revision: at ${name}: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

function checkout(revision: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "typegrad-revision-"));
  rmSync(dir, { recursive: true });
  execFileSync("git", ["worktree", "add", "--detach", dir, revision], { cwd: root, stdio: "ignore" });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return { dir, remove: () => execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: root, stdio: "ignore" }) };
}

function stepsFor(run: Runner): number {
  for (let steps = 1; ; steps *= 2) {
    const start = performance.now();
    run(steps);
    if ((performance.now() - start) / 1000 >= SECONDS_A_TIMING / 2) return steps * 2;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function compare(caseName: string, trees: readonly Tree[]): Promise<string> {
  const runners = await Promise.all(trees.map((t) => t.runner(caseName)));
  const steps = Math.max(...runners.map(stepsFor));
  const rates: number[][] = trees.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const start = performance.now();
      runners[i]!(steps);
      rates[i]!.push(steps / ((performance.now() - start) / 1000));
    }
  }
  const [before, now] = rates.map(median) as [number, number];
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  return `| ${caseName} | ${fmt(before)} | ${fmt(now)} | ${(now / before).toFixed(3)}x |`;
}

async function main(): Promise<void> {
  const [revision, ...named] = process.argv.slice(2);
  if (!revision) throw new Error("usage: tsx bench/against-revision.ts REV [CASE...]");
  const cases = named.length ? named : ["xor", "seed"];
  const old = checkout(revision);
  try {
    const trees = [treeAt(revision, old.dir), treeAt("working tree", root)];
    console.log(`Steps a second, median of ${ROUNDS} alternating timings in one process:\n`);
    console.log(`| case | ${revision} | working tree | ratio |\n|---|---|---|---|`);
    for (const c of cases) console.log(await compare(c, trees));
  } finally {
    old.remove();
  }
  process.exit(0);
}

await main();
