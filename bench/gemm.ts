// `npx tsx bench/gemm.ts [--ms 200] [--rounds 5]`: GFLOP/s (2·m·n·k per call, copying and packing
// included) of runtime/gemm's WebAssembly SIMD path and of its plain-JS fallback, on the products of
// an MLP 784-256-128-10 at batch 128 and of the recurrent benchmarks (batch 64, 100 or 200 steps), as a
// markdown table. Each figure is the median of the rounds, each round calling gemm back to back for
// --ms milliseconds after a warm-up, timed in the process' CPU time (the load of a shared machine
// takes cores away; CPU time leaves that out, wall time does not). The last column is the part of a wasm call spent copying A, B
// and C in and out of wasm memory and packing B.
//
// `npx tsx bench/gemm.ts --builds 4x8,6x8,4x8+fma [--ms 100] [--rounds 7]`: the same shapes on builds of
// the wasm module side by side (register tile rows×columns, +fma for relaxed SIMD's relaxed_madd,
// which Node 20 has only under --experimental-wasm-relaxed-simd), the builds alternating within each
// round so that a machine's changing load falls on all of them alike.

import { cpus, loadavg } from "node:os";
import { gemm } from "../runtime/gemm/gemm";
import { jsGemm } from "../runtime/gemm/js-gemm";
import { SimdGemm } from "../runtime/gemm/simd-gemm";
import type { KernelBuild } from "../runtime/gemm/simd-kernel";
import { Tile } from "../runtime/gemm/tile";
import { median } from "./median";

interface Shape {
  readonly product: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

const shape = (product: string, m: number, n: number, k: number, transA: boolean, transB: boolean): Shape => ({ product, m, n, k, transA, transB });

const SHAPES: readonly Shape[] = [
  shape("forward X·W", 128, 256, 784, false, false),
  shape("forward X·W", 128, 128, 256, false, false),
  shape("forward X·W", 128, 10, 128, false, false),
  shape("weight gradient Xᵀ·dZ", 784, 256, 128, true, false),
  shape("weight gradient Xᵀ·dZ", 256, 128, 128, true, false),
  shape("weight gradient Xᵀ·dZ", 128, 10, 128, true, false),
  shape("input gradient dZ·Wᵀ", 128, 128, 10, false, true),
  shape("input gradient dZ·Wᵀ", 128, 256, 128, false, true),
  shape("recurrent step h·R", 64, 32, 32, false, false),
  shape("recurrent step dz·Rᵀ", 64, 32, 32, false, true),
  shape("recurrent step hᵀ·dz", 32, 32, 64, true, false),
  shape("recurrent step h·R", 64, 256, 64, false, false),
  shape("recurrent step h·R", 64, 128, 32, false, false),
  shape("all steps x·K", 3200, 256, 64, false, false),
  shape("all steps x·K", 6400, 32, 32, false, false),
  shape("all steps xᵀ·dZ", 64, 256, 3200, true, false),
];

const WARM_UP_CALLS = 50;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}


/** The process' CPU time in seconds: on a machine shared with other work, the time the core spends elsewhere is not counted. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Median over the rounds of the CPU time per call, in seconds. */
function secondsPerCall(call: () => void, milliseconds: number, rounds: number): number {
  for (let i = 0; i < WARM_UP_CALLS; i++) call();
  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let calls = 0;
    const start = performance.now();
    const cpuStart = cpuSeconds();
    while (performance.now() - start < milliseconds) {
      call();
      calls++;
    }
    perRound.push((cpuSeconds() - cpuStart) / calls);
  }
  return median(perRound);
}

function randomFloats(count: number): Float32Array {
  return Float32Array.from({ length: count }, () => Math.random() * 2 - 1);
}

function parseBuild(spec: string): KernelBuild {
  const parsed = /^(\d+)x(\d+)(\+fma)?$/.exec(spec);
  if (!parsed) throw new Error(`bench/gemm: a build is ROWSxCOLUMNS or ROWSxCOLUMNS+fma, got ${spec}`);
  return { tile: new Tile(Number(parsed[1]), Number(parsed[2])), fusedMultiplyAdd: parsed[3] !== undefined };
}

/** GFLOP/s of each build on each shape, the builds interleaved round by round. */
function compareBuilds(specs: readonly string[], milliseconds: number, rounds: number): void {
  const builds = specs.map((spec) => {
    const simd = SimdGemm.create(undefined, parseBuild(spec));
    if (!simd) throw new Error(`bench/gemm: this host cannot run the build ${spec} (relaxed SIMD needs --experimental-wasm-relaxed-simd in Node 20)`);
    return simd;
  });
  const lines = [`| product | m×n×k | ${specs.map((spec) => `${spec} GFLOP/s`).join(" | ")} |`, `|---|---|${specs.map(() => "---|").join("")}`];
  for (const { product, m, n, k, transA, transB } of SHAPES) {
    const [a, b, c] = [randomFloats(m * k), randomFloats(k * n), new Float32Array(m * n)];
    const perBuild: number[][] = builds.map(() => []);
    for (let round = 0; round < rounds; round++) {
      builds.forEach((simd, index) => perBuild[index]!.push(secondsPerCall(() => simd.gemm(m, n, k, a, transA, b, transB, c, false), milliseconds, 1)));
    }
    const dims = `${m}×${n}×${k}${transA ? " Aᵀ" : ""}${transB ? " Bᵀ" : ""}`;
    lines.push(`| ${product} | ${dims} | ${perBuild.map((seconds) => ((2 * m * n * k) / median(seconds) / 1e9).toFixed(1)).join(" | ")} |`);
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  console.log(`gemm builds on ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; median of ${rounds} interleaved rounds of ${milliseconds} ms, CPU time; load average ${loadavg()[0]!.toFixed(1)}.\n`);
  console.log(lines.join("\n"));
}

function main(): void {
  const milliseconds = option("--ms", 200);
  const rounds = option("--rounds", 5);
  const builds = process.argv.indexOf("--builds");
  if (builds !== -1) return compareBuilds(process.argv[builds + 1]!.split(","), milliseconds, rounds);
  const simd = SimdGemm.create();
  if (!simd) throw new Error("bench/gemm: this host has no WebAssembly SIMD");
  const lines = [
    "| product | m×n×k | wasm SIMD GFLOP/s | JS fallback GFLOP/s | wasm / JS | wasm µs per call | copy + pack share |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const { product, m, n, k, transA, transB } of SHAPES) {
    const [a, b, c] = [randomFloats(m * k), randomFloats(k * n), new Float32Array(m * n)];
    const flops = 2 * m * n * k;
    const wasm = secondsPerCall(() => gemm(m, n, k, a, transA, b, transB, c, false), milliseconds, rounds);
    const js = secondsPerCall(() => jsGemm(m, n, k, a, transA, b, transB, c, false), milliseconds, rounds);
    const copying = secondsPerCall(
      () => {
        simd.load(m, n, k, a, transA, b, transB, c, false);
        simd.store(m, n, c);
      },
      milliseconds,
      rounds,
    );
    const dims = `${m}×${n}×${k}${transA ? " Aᵀ" : ""}${transB ? " Bᵀ" : ""}`;
    const cells = [product, dims, (flops / wasm / 1e9).toFixed(1), (flops / js / 1e9).toFixed(2), `${(js / wasm).toFixed(1)}x`, (wasm * 1e6).toFixed(1), `${Math.round((100 * copying) / wasm)}%`];
    lines.push(`| ${cells.join(" | ")} |`);
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  console.log(`gemm on ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; median of ${rounds} rounds of ${milliseconds} ms, CPU time; load average ${loadavg()[0]!.toFixed(1)}.\n`);
  console.log(lines.join("\n"));
}

main();
