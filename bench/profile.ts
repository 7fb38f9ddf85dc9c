// `tsx bench/profile.ts CASE [STEPS] [--serial]`: where typegrad's training step of a bench case spends its time
// (THREADS=n in the environment: fit's `threads`, instead of the case's). With --serial, only the
// calling thread's samples outside the jobs it shares with gemm's worker threads (GemmThreads.run):
// the step's serial part, while the workers wait.
// Trains the case's model through fit (as the bench does) under V8's sampling profiler and charts the
// self time by place: in the generated module, by the loop a line belongs to (the comment that opens
// it: "every step's input projection", "h_{t-1} · R", "d_..._recurrent_kernel += ..."), elsewhere by
// function. tsx prints a module on one line, so the generated file is loaded here as TypeScript's
// line-for-line transpilation instead (the same code; comments kept, so lines can be named).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { Profiler } from "node:inspector";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { caseData, findCase } from "./cases";
import { simdGemm } from "../runtime/gemm/gemm";

interface Trainable {
  fit(x: number[][], y: number[][], options: object): unknown;
}

/** The generated module, transpiled line for line, its runtime import pointed at the sources. */
async function loadGenerated(): Promise<{ module: Record<string, new () => Trainable>; url: string; lines: string[]; done: () => void }> {
  const source = readFileSync(new URL("models/bench.gen.ts", import.meta.url), "utf8");
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  const runtime = pathToFileURL(fileURLToPath(new URL("../runtime/index.ts", import.meta.url))).href;
  const dir = mkdtempSync(join(tmpdir(), "typegrad-profile-"));
  const file = join(dir, "bench.gen.mjs");
  writeFileSync(file, js.replace(/from "typegrad\/runtime"/, `from ${JSON.stringify(runtime)}`));
  const url = pathToFileURL(file).href;
  return { module: await import(url), url, lines: js.split("\n"), done: () => rmSync(dir, { recursive: true }) };
}

/** Each line's place: its function, and the last comment line opened before it in that function. */
function placesOf(lines: readonly string[]): string[] {
  let fn = "(module)";
  let comment = "";
  return lines.map((line) => {
    const declared = /^(?:export )?(?:async )?function (\w+)|^ {2}(\w+)\(.*\)(?:: [^{]+)? \{$/.exec(line);
    if (declared) {
      fn = declared[1] ?? `.${declared[2]}`;
      comment = "";
    }
    const text = line.trim();
    if (text.startsWith("//")) comment = text.slice(2).trim();
    return comment ? `${fn}: ${comment.length > 110 ? `${comment.slice(0, 107)}...` : comment}` : fn;
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const serial = args.includes("--serial");
  const [name, stepsArg] = args.filter((arg) => arg !== "--serial");
  if (!name) throw new Error("usage: tsx bench/profile.ts CASE [STEPS] [--serial]");
  const c = findCase(name);
  if (c.kind === "texts") throw new Error(`bench: profile.ts profiles training steps; "${name}" is a texts case`);
  const steps = Number(stepsArg ?? 20);
  const { module, url, lines, done } = await loadGenerated();
  const modelName = ("model" in c && c.model) || c.name;
  const className = `${modelName[0]!.toUpperCase()}${modelName.slice(1)}Bench`;
  const Model = module[className];
  if (!Model) throw new Error(`bench: bench/models/bench.gen.ts has no ${className}`);
  const net = new Model();
  const { x, y } = caseData(c);
  const fit = (epochs: number) => net.fit(x, y, { epochs, batchSize: c.batch, shuffle: false, verbose: 0, threads: process.env.THREADS ? Number(process.env.THREADS) : c.threads });
  fit(Math.max(3, Math.ceil(steps / 4))); // warm up: every hot function optimised

  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  const lostBefore = simdGemm()?.threads?.policy.lostWindows ?? 0;
  const start = performance.now();
  fit(steps);
  const elapsed = performance.now() - start;
  const { profile } = (await session.post("Profiler.stop")) as { profile: Profiler.Profile };
  session.disconnect();
  done();

  const places = placesOf(lines);
  const ticks = new Map<string, number>();
  const shared = serial ? sharedJobNodes(profile) : new Set<number>();
  let total = 0;
  for (const node of profile.nodes) {
    const { url: nodeUrl, functionName } = node.callFrame;
    const count = node.hitCount ?? 0;
    total += count;
    if (shared.has(node.id) || (serial && ["(idle)", "(program)"].includes(functionName))) continue;
    if (nodeUrl === url && node.positionTicks?.length) {
      for (const { line, ticks: n } of node.positionTicks) ticks.set(places[line - 1]!, (ticks.get(places[line - 1]!) ?? 0) + n);
      continue;
    }
    const where = nodeUrl === url ? "" : nodeUrl ? ` (${nodeUrl.split("/").slice(-2).join("/")})` : "";
    const key = `${functionName || "(anonymous)"}${where}`;
    ticks.set(key, (ticks.get(key) ?? 0) + count);
  }
  const perStep = elapsed / steps;
  const counted = [...ticks.values()].reduce((sum, n) => sum + n, 0);
  const what = serial ? `self time outside the jobs shared with gemm's workers (${((perStep * counted) / total).toFixed(2)} ms a step in all)` : "self time";
  console.log(`${c.description}: ${steps} steps, ${perStep.toFixed(2)} ms a step (${Math.round((c.batch * 1000) / perStep)} samples/s under the profiler); ${what}:`);
  const lost = (simdGemm()?.threads?.policy.lostWindows ?? 0) - lostBefore;
  // under the profiler the calling thread is slower, and the sharing policy may then run products alone (their time is then serial too)
  if (serial) console.log(`the sharing policy lost ${lost} window${lost === 1 ? "" : "s"} while profiled`);
  for (const [place, n] of [...ticks].sort((a, b) => b[1] - a[1])) {
    if (n / (serial ? counted : total) < 0.005) continue;
    console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${((perStep * n) / total).toFixed(2).padStart(7)} ms  ${place}`);
  }
}

/** The profile's nodes at or under a call of GemmThreads.run (a job shared with gemm's worker threads). */
function sharedJobNodes(profile: Profiler.Profile): Set<number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const shared = new Set<number>();
  const mark = (id: number): void => {
    shared.add(id);
    for (const child of byId.get(id)?.children ?? []) mark(child);
  };
  for (const node of profile.nodes) {
    if (node.callFrame.functionName === "run" && node.callFrame.url.endsWith("gemm/gemm-threads.ts")) mark(node.id);
  }
  return shared;
}

await main();
