// `npx tsx bench/sigmoid.ts [--ms 100] [--rounds 9]`: nanoseconds per call of runtime/activations'
// sigmoidInPlace (WebAssembly SIMD, copying in and out included) and of the plain-JS loop it replaces
// in generated kernels, `values[i] = 1 / (1 + Math.exp(-values[i]))`, for several counts, as a markdown
// table. The two alternate, round after round, in one process (the machine may be shared); each figure
// is the median of the rounds. Calls repeat on the same floats, which drift towards σ's fixed point
// 0.66 within a few calls; neither path's cost depends much on the values. The last column has the
// floats at the start of a buffer 4 times longer, as a kernel's buffer sized for a larger batch.

import { cpus } from "node:os";
import { jsSigmoidInPlace, type SigmoidInPlace } from "../runtime/activations/js-sigmoid";
import { sigmoidInPlace } from "../runtime/activations/sigmoid";
import { SimdSigmoid } from "../runtime/activations/simd-sigmoid";
import { median } from "./median";

const COUNTS = [4, 8, 16, 32, 128, 1024, 32768];
/** Calls between two looks at the clock, so that reading it costs little next to them. */
const FLOATS_PER_BATCH = 1 << 16;
const LONGER_BUFFER = 4;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}


function randomFloats(count: number): Float32Array {
  return Float32Array.from({ length: count }, () => Math.random() * 8 - 4);
}

/** Nanoseconds per call over one round of `milliseconds`. */
function nanosecondsPerCall(sigmoid: SigmoidInPlace, values: Float32Array, count: number, milliseconds: number): number {
  const batch = Math.max(1, Math.floor(FLOATS_PER_BATCH / count));
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < milliseconds) {
    for (let i = 0; i < batch; i++) sigmoid(values, count);
    calls += batch;
    now = performance.now();
  }
  return ((now - start) * 1e6) / calls;
}

interface Contender {
  readonly name: string;
  readonly sigmoid: SigmoidInPlace;
  readonly bufferLength: (count: number) => number;
}

const CONTENDERS: readonly Contender[] = [
  { name: "wasm", sigmoid: sigmoidInPlace, bufferLength: (count) => count },
  { name: "js", sigmoid: jsSigmoidInPlace, bufferLength: (count) => count },
  { name: "wasm, longer buffer", sigmoid: sigmoidInPlace, bufferLength: (count) => LONGER_BUFFER * count },
];

function main(): void {
  const milliseconds = option("--ms", 100);
  const rounds = option("--rounds", 9);
  if (!SimdSigmoid.create()) throw new Error("bench/sigmoid: this host has no WebAssembly SIMD");
  const lines = [
    "| count | wasm ns/call | JS ns/call | JS / wasm | wasm ns/float | JS ns/float | wasm ns/call, buffer 4× longer |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const count of COUNTS) {
    const buffers = CONTENDERS.map((contender) => randomFloats(contender.bufferLength(count)));
    const times = CONTENDERS.map((): number[] => []);
    CONTENDERS.forEach((contender, c) => nanosecondsPerCall(contender.sigmoid, buffers[c]!, count, milliseconds)); // warm-up
    for (let round = 0; round < rounds; round++) {
      CONTENDERS.forEach((contender, c) => times[c]!.push(nanosecondsPerCall(contender.sigmoid, buffers[c]!, count, milliseconds)));
    }
    const [wasm, js, longer] = times.map(median) as [number, number, number];
    const cells = [count, wasm.toFixed(1), js.toFixed(1), `${(js / wasm).toFixed(2)}x`, (wasm / count).toFixed(2), (js / count).toFixed(2), longer.toFixed(1)];
    lines.push(`| ${cells.join(" | ")} |`);
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  console.log(`sigmoidInPlace on ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; median of ${rounds} alternating rounds of ${milliseconds} ms.\n`);
  console.log(lines.join("\n"));
}

main();
