// `npx tsx bench/optimizer.ts [--ms 100] [--rounds 7]`: nanoseconds per weight of a step of each
// optimiser, on its WebAssembly SIMD paths (float32 lanes, and float64 pairs; copying the gradients
// and weights in and the weights out included) and on its JavaScript one, as a markdown table. The weights are those of an MLP
// 784-256-128-10 (235,146 in six tensors, views of one store, as a generated model holds them), and,
// to show where the SIMD path starts to gain, of smaller layers. The paths alternate, round after
// round, in one process (the machine may be shared); each figure is the median of the rounds.

import { cpus } from "node:os";
import { adagrad, adam, rmsprop, sgd, type OptimizerConfig } from "../dsl/config/optimizers";
import { createOptimizer, type OptimizerPath } from "../runtime/optimizers";
import { weightStore } from "../runtime/weight-store";
import { median } from "./median";

const MLP = [784 * 256, 256, 256 * 128, 128, 128 * 10, 10];
/** Smaller models: a dense layer n→n with its bias. */
const SMALL = [8, 32, 128, 1024].map((n) => [n * n, n]);

const CONFIGS: readonly [string, OptimizerConfig][] = [
  ["sgd", sgd({ learningRate: 0.01 })],
  ["sgd momentum", sgd({ learningRate: 0.01, momentum: 0.9 })],
  ["sgd nesterov", sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true })],
  ["adagrad", adagrad()],
  ["rmsprop", rmsprop()],
  ["rmsprop centered momentum", rmsprop({ centered: true, momentum: 0.5 })],
  ["adam", adam()],
  ["adam clipnorm", adam({ clipnorm: 1 })],
  ["adam clipvalue", adam({ clipvalue: 0.5 })],
];
const PATHS: readonly OptimizerPath[] = ["simd", "simd-float64", "js"];

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}


function storeOf(sizes: readonly number[], value: () => number): Float32Array[] {
  const views = weightStore(sizes);
  for (const view of views) for (let i = 0; i < view.length; i++) view[i] = value();
  return views;
}

interface Run {
  readonly step: () => void;
  readonly weights: number;
}

/** An optimiser stepping on fixed gradients small enough that the weights stay finite for the whole run. */
function runOf(config: OptimizerConfig, sizes: readonly number[], path: OptimizerPath): Run {
  const weights = storeOf(sizes, () => Math.random() * 2 - 1);
  const grads = storeOf(sizes, () => (Math.random() * 2 - 1) * 1e-3);
  const optimizer = createOptimizer(config, weights, path);
  return { step: () => optimizer.apply(grads), weights: sizes.reduce((sum, n) => sum + n, 0) };
}

function nanosecondsPerWeight(run: Run, milliseconds: number): number {
  let steps = 0;
  const start = performance.now();
  let now = start;
  const batch = Math.max(1, Math.floor(1e5 / run.weights));
  while (now - start < milliseconds) {
    for (let i = 0; i < batch; i++) run.step();
    steps += batch;
    now = performance.now();
  }
  return ((now - start) * 1e6) / (steps * run.weights);
}

function row(title: string, config: OptimizerConfig, sizes: readonly number[], milliseconds: number, rounds: number): string {
  const runs = PATHS.map((path) => runOf(config, sizes, path));
  runs.forEach((run) => nanosecondsPerWeight(run, milliseconds)); // warm-up
  const times = runs.map((): number[] => []);
  for (let round = 0; round < rounds; round++) runs.forEach((run, r) => times[r]!.push(nanosecondsPerWeight(run, milliseconds)));
  const [simd, simd64, js] = times.map(median) as [number, number, number];
  process.stderr.write(".");
  return `| ${title} | ${runs[0]!.weights} | ${simd.toFixed(2)} | ${simd64.toFixed(2)} | ${js.toFixed(2)} | ${(js / simd).toFixed(1)}x | ${(js / simd64).toFixed(1)}x |`;
}

function main(): void {
  const milliseconds = option("--ms", 100);
  const rounds = option("--rounds", 7);
  const lines = [
    "| optimiser | weights | SIMD float32 ns/weight | SIMD float64 ns/weight | JS ns/weight | JS / SIMD float32 | JS / SIMD float64 |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const [title, config] of CONFIGS) lines.push(row(title, config, MLP, milliseconds, rounds));
  for (const sizes of SMALL) for (const [title, config] of CONFIGS.filter(([t]) => t === "sgd" || t === "adam")) lines.push(row(title, config, sizes, milliseconds, rounds));
  process.stderr.write("\n");
  console.log(`Optimiser steps on ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; median of ${rounds} alternating rounds of ${milliseconds} ms.\n`);
  console.log(lines.join("\n"));
}

main();
