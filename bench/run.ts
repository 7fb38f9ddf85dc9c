// `npm run bench [-- --seconds S] [--rounds R] [CASE...]`: every (case, implementation) pair is
// measured in its own process, implementations alternating within each round; the median of the
// rounds is reported, with typegrad's ratio to each peer, as a markdown table and bench/results.json
// (which keeps every round's figure too, as `samples`).
// Naming cases runs only those; results.json keeps the other cases' earlier numbers. Where a case's
// implementations print checksums of their results (the texts cases), the table says whether they agree.
// Under the table, one line a training case says where typegrad's step goes (bench/step-breakdown.ts):
// the round with the median step of a pass run after each timed measurement, with the timers on.

import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { readFileSync, writeFileSync } from "node:fs";
import { CASES, type Case } from "./cases";
import { availableCores } from "../runtime/threads/threads";
import { breakdownLine, breakdownTotal, type StepBreakdown } from "./step-breakdown";
import { findKerasPreprocessing, isKerasPreprocessing, KERAS_PREPROCESSING_INSTALL } from "./peers/keras-preprocessing";
import { findTorch, isTorch, measureTorch, TORCH_INSTALL, type TorchInfo } from "./peers/torch";
import { median } from "./median";

interface Measurement {
  readonly case: string;
  readonly implementation: string;
  readonly perSecond: number;
  /** A hash of what the measured call made (texts cases). */
  readonly checksum?: string;
  /** Where the step's time goes (typegrad's training cases). */
  readonly stepBreakdown?: StepBreakdown;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

function measure(c: Case, implementation: string, seconds: number, torch: TorchInfo | null): Measurement {
  const out =
    isTorch(implementation) && c.kind !== "texts"
      ? measureTorch(torch!.python, c, implementation, seconds)
      : execFileSync(tsx, [`${here}worker.ts`, c.name, implementation, String(seconds)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`bench: ${implementation} on ${c.name} printed no result`);
  return JSON.parse(line) as Measurement;
}

/** Whether every implementation's checksums (over all rounds) are one and the same; undefined when none printed any. */
function checksumsAgree(checksums: Record<string, string[]>): boolean | undefined {
  const all = Object.values(checksums).flat();
  return all.length === 0 ? undefined : all.every((sum) => sum === all[0]);
}


/** The breakdown of the round whose timed step is the median, or undefined when none was measured. */
function medianBreakdown(breakdowns: StepBreakdown[]): StepBreakdown | undefined {
  return [...breakdowns].sort((a, b) => breakdownTotal(a) - breakdownTotal(b))[Math.floor(breakdowns.length / 2)];
}
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3));

function main(): void {
  const loadStart = loadavg()[0]!;
  const seconds = option("--seconds", 2);
  const rounds = option("--rounds", 3);
  const names = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));
  const cases = names.length ? CASES.filter((c) => names.includes(c.name)) : CASES;
  const torch = cases.some((c) => c.peers.some(isTorch)) ? findTorch() : null;
  if (!torch && cases.some((c) => c.peers.some(isTorch))) {
    process.stderr.write(`bench: PyTorch is skipped (no python3, nor /usr/bin/python3, imports torch); to compare with it: ${TORCH_INSTALL}\n`);
  } else if (torch && !torch.blas.some((l) => l.includes("openblas"))) {
    process.stderr.write(`bench: PyTorch uses ${torch.blas.join(", ") || "no shared BLAS"}, not OpenBLAS; for a fair comparison: ${TORCH_INSTALL}\n`);
  }
  const keras = cases.some((c) => c.peers.some(isKerasPreprocessing)) ? findKerasPreprocessing() : null;
  if (!keras && cases.some((c) => c.peers.some(isKerasPreprocessing))) {
    process.stderr.write(`bench: keras_preprocessing is skipped (neither python3 nor /usr/bin/python3 imports it); to compare with it: ${KERAS_PREPROCESSING_INSTALL}\n`);
  }
  const results: {
    case: string;
    description: string;
    unit: string;
    throughput: Record<string, number>;
    /** Each round's throughput, in the order measured: the spread the median was taken from. */
    samples: Record<string, number[]>;
    ratios: Record<string, number>;
    bars: Record<string, number>;
    unmeasurable?: Record<string, string>;
    checksums?: Record<string, string[]>;
    outputsAgree?: boolean;
    stepBreakdown?: StepBreakdown;
  }[] = [];
  const breakdownLines: string[] = [];
  const lines = ["| case | implementation | throughput | typegrad / peer | bar |", "|---|---|---|---|---|"];
  for (const c of cases) {
    const unmeasurable = c.unmeasurable ?? {};
    const peers = c.peers.filter((p) => (torch || !isTorch(p)) && (keras || !isKerasPreprocessing(p)) && !(p in unmeasurable));
    const implementations = ["typegrad", ...peers];
    const samples: Record<string, number[]> = Object.fromEntries(implementations.map((i) => [i, []]));
    const checksums: Record<string, string[]> = {};
    const breakdowns: StepBreakdown[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? implementations : [...implementations].reverse();
      for (const implementation of order) {
        const measured = measure(c, implementation, seconds, torch);
        samples[implementation]!.push(measured.perSecond);
        if (measured.checksum !== undefined) (checksums[implementation] ??= []).push(measured.checksum);
        if (measured.stepBreakdown) breakdowns.push(measured.stepBreakdown);
        process.stderr.write(".");
      }
    }
    const throughput = Object.fromEntries(implementations.map((i) => [i, median(samples[i]!)]));
    const ratios = Object.fromEntries(peers.map((p) => [p, throughput.typegrad! / throughput[p]!]));
    const outputsAgree = checksumsAgree(checksums);
    const stepBreakdown = medianBreakdown(breakdowns);
    if (outputsAgree === false) process.stderr.write(`\nbench: ${c.name}: the implementations' results differ (checksums ${JSON.stringify(checksums)}); its ratios compare unequal work\n`);
    results.push({
      case: c.name,
      description: c.description,
      unit: c.unit,
      throughput,
      samples,
      ratios,
      bars: c.bars,
      ...(c.unmeasurable && { unmeasurable: c.unmeasurable }),
      ...(outputsAgree !== undefined && { checksums, outputsAgree }),
      ...(stepBreakdown && { stepBreakdown }),
    });
    if (stepBreakdown) breakdownLines.push(`  ${c.name}: where typegrad's step goes: ${breakdownLine(stepBreakdown)}`);
    for (const i of implementations) {
      const agreement = i === "typegrad" || outputsAgree === undefined ? "" : outputsAgree ? " (same result)" : " (results DIFFER)";
      const ratio = i === "typegrad" ? "" : `${fmt(ratios[i]!)}x${agreement}`;
      const bar = c.bars[i] ? `${c.bars[i]}x ${ratios[i]! >= c.bars[i]! ? "met" : "NOT met"}` : "";
      lines.push(`| ${c.description} | ${i} | ${fmt(throughput[i]!)} ${c.unit} | ${ratio} | ${bar} |`);
    }
    for (const [i, why] of Object.entries(unmeasurable)) lines.push(`| ${c.description} | ${i} | not measurable: ${why} |  |  |`);
  }
  process.stderr.write("\n");
  const machine = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  // typegrad's products use every core unless a case sets its threads; torch-1t one thread, torch-all every core
  const threads = { typegrad: `${availableCores()} (a case's threads where it sets them)`, "torch-1t": 1, "torch-all": machine.cores };
  const date = new Date().toISOString().slice(0, 10);
  const pytorch = torch && { version: torch.torch, python: torch.python, blas: torch.blas };
  const kerasPreprocessing = keras && { version: keras.version, python: keras.python };
  const load = { start: loadStart, end: loadavg()[0]! };
  const kept = names.length ? keptResults(new Set(cases.map((c) => c.name))) : [];
  const file = { date, machine, threads, ...(pytorch && { pytorch }), ...(kerasPreprocessing && { kerasPreprocessing }), seconds, rounds, loadAverage: load, results: [...kept, ...results].sort((a, b) => order(a) - order(b)) };
  writeFileSync(resultsFile, `${JSON.stringify(file, null, 2)}\n`);
  const torchNote = torch ? `, PyTorch ${torch.torch} (BLAS: ${torch.blas.map((l) => l.split("/").slice(-2).join("/")).join(", ")})` : "";
  const kerasNote = keras ? `, keras_preprocessing ${keras.version} (${keras.python})` : "";
  const loadNote = `; load average ${load.start.toFixed(1)} at the start, ${load.end.toFixed(1)} at the end`;
  console.log(`Benchmark of ${date} on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}${torchNote}${kerasNote}; median of ${rounds} runs of ${seconds} s each${loadNote}. Threads: typegrad ${threads.typegrad}, torch-1t 1, torch-all ${machine.cores}.\n`);
  console.log(lines.join("\n"));
  if (breakdownLines.length === 0) return;
  console.log("\nWhere typegrad's training step goes, by in-process timers in a pass after each timed run (gemm includes the sparse products; overhead is the rest of fit: converting x and y, batching, the step guard, copying):");
  console.log(breakdownLines.join("\n"));
}

const resultsFile = new URL("results.json", import.meta.url);

/** Results in CASES' order (cases no longer listed last). */
const order = (r: object) => {
  const at = CASES.findIndex((c) => c.name === (r as { case?: string }).case);
  return at === -1 ? CASES.length : at;
};

/**
 * A run of some cases keeps results.json's other cases, each marked with the run it came from
 * (`from`: its date, machine, seconds and rounds), so the file always holds every case's latest numbers.
 */
function keptResults(run: ReadonlySet<string>): object[] {
  let previous: {
    date?: string;
    machine?: object;
    pytorch?: object;
    kerasPreprocessing?: object;
    seconds?: number;
    rounds?: number;
    loadAverage?: object;
    results?: { case: string; from?: object }[];
  };
  try {
    previous = JSON.parse(readFileSync(resultsFile, "utf8")) as typeof previous;
  } catch {
    return [];
  }
  const { date, machine, pytorch, kerasPreprocessing, seconds, rounds, loadAverage } = previous;
  const from = { date, ...(machine && { machine }), ...(pytorch && { pytorch }), ...(kerasPreprocessing && { kerasPreprocessing }), seconds, rounds, ...(loadAverage && { loadAverage }) };
  return (previous.results ?? []).filter((r) => !run.has(r.case)).map((r) => ({ ...r, from: r.from ?? from }));
}

main();
