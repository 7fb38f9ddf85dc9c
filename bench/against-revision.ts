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
import { alternatingHeader, alternatingRow, type Runner } from "./alternating";

interface Tree {
  readonly name: string;
  runner(caseName: string): Promise<Runner>;
}

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

async function compare(caseName: string, [before, now]: readonly [Tree, Tree]): Promise<string> {
  return alternatingRow(caseName, await before.runner(caseName), await now.runner(caseName));
}

async function main(): Promise<void> {
  const [revision, ...named] = process.argv.slice(2);
  if (!revision) throw new Error("usage: tsx bench/against-revision.ts REV [CASE...]");
  const cases = named.length ? named : ["xor", "seed"];
  const old = checkout(revision);
  try {
    const trees = [treeAt(revision, old.dir), treeAt("working tree", root)] as const;
    console.log(alternatingHeader(revision, "working tree"));
    for (const c of cases) console.log(await compare(c, trees));
  } finally {
    old.remove();
  }
  process.exit(0);
}

await main();
