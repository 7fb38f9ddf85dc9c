#!/usr/bin/env node
// The `typegrad` command (`npx typegrad gen`; `npm run gen` in this repository):
//   typegrad gen [--check | --watch] [PATH...]
// writes NAME.gen.ts beside every NAME.model.ts under the paths (default: the current folder).

import { gen, outcomeLine, type GenOutcome } from "./gen";
import { packageInfo } from "./package-info";
import { watch } from "./watch";

const USAGE = `usage: typegrad gen [--check | --watch] [PATH...]

Writes NAME.gen.ts beside every NAME.model.ts found under the paths (files or folders; default:
the current folder; node_modules and dot-folders are skipped).
  --check   write nothing; exit 1 if a generated file is missing or out of date
  --watch   generate, then regenerate a model file whenever it or a file it imports changes`;

const causeOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function print(outcome: GenOutcome): void {
  const { line, error } = outcomeLine(outcome);
  if (error) console.error(line);
  else console.log(line);
}

async function runGen(args: readonly string[]): Promise<number> {
  const flags = args.filter((a) => a.startsWith("-"));
  const paths = args.filter((a) => !a.startsWith("-"));
  const unknown = flags.filter((f) => f !== "--check" && f !== "--watch");
  if (unknown.length) {
    console.error(`typegrad gen: unknown option ${unknown[0]}\n\n${USAGE}`);
    return 2;
  }
  const check = flags.includes("--check");
  if (check && flags.includes("--watch")) {
    console.error("typegrad gen: --check and --watch do not go together");
    return 2;
  }
  if (flags.includes("--watch")) return runWatch(paths);
  let outcomes: GenOutcome[];
  try {
    outcomes = await gen({ paths, check });
  } catch (error) {
    console.error(causeOf(error));
    return 1;
  }
  if (outcomes.length === 0) {
    console.error("typegrad gen: no *.model.ts files found");
    return 1;
  }
  const failed = outcomes.filter((o) => o.status === "failed" || o.status === "stale");
  for (const outcome of outcomes) if (!check || failed.includes(outcome)) print(outcome);
  if (check) {
    if (failed.length) console.error(`gen --check: ${failed.length} generated file(s) stale or failing; run typegrad gen`);
    else console.log(`gen --check: ${outcomes.length} generated file(s) up to date`);
  }
  return failed.length ? 1 : 0;
}

async function runWatch(paths: readonly string[]): Promise<number> {
  let watcher;
  try {
    watcher = watch({ paths, onOutcome: print });
  } catch (error) {
    console.error(causeOf(error));
    return 1;
  }
  await watcher.ready;
  console.log("typegrad gen: watching for changes (Ctrl-C to stop)");
  await new Promise<void>((stop) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop());
  });
  watcher.close();
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (command === "--version" || command === "-v") {
    console.log(packageInfo().version);
    return 0;
  }
  if (command === "gen") return runGen(rest);
  // `npm run gen -- --check` and older scripts call the command without its name.
  if (command === undefined || command.startsWith("-") || command.endsWith(".model.ts") || command.includes("/")) return runGen(argv);
  console.error(`typegrad: unknown command ${command}\n\n${USAGE}`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
