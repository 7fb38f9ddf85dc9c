// A process for test/runtime/crash-safety.test.ts to kill in the middle of writing weights files:
// `node --import tsx test/support/crash-writer.ts save|checkpoint PATH`. It writes PATH over and
// over until killed, saying on stdout (synchronously, so the lines are in the pipe before any kill)
// which write it is about to make: "saving K". The parent knows what write K holds:
//   save        save() of MlpBench's weights, alternately as they start (K even) and flipped (K odd);
//   checkpoint  fit on crashWriterData() with modelCheckpoint, one epoch a write (K = the epoch index).
// MlpBench (784-256-128-10, Adam) makes a 2.8 MB file, weights and optimizer state.

import { writeSync } from "node:fs";
import { modelCheckpoint, type Callback } from "typegrad/runtime";
import { MlpBench } from "../../bench/models/bench.gen";

/** The weights write K of "save" holds: the model's own (K even) or each of them negated plus one half (K odd). */
export function crashWriterWeights(initial: readonly Float32Array[], k: number): Float32Array[] {
  return initial.map((w) => (k % 2 === 0 ? w.slice() : w.map((v) => 0.5 - v)));
}

/** Eight examples of 784 features and their one-hot classes, for "checkpoint". */
export function crashWriterData(): { x: number[][]; y: number[][] } {
  const x = Array.from({ length: 8 }, (_, i) => Array.from({ length: 784 }, (_, j) => Math.sin(i * 784 + j)));
  const y = Array.from({ length: 8 }, (_, i) => Array.from({ length: 10 }, (_, c) => (c === i % 10 ? 1 : 0)));
  return { x, y };
}

export const CHECKPOINT_FIT = { batchSize: 8, shuffle: false, verbose: 0 } as const;

const say = (line: string) => writeSync(1, `${line}\n`);

function main(mode: string, path: string): void {
  const model = new MlpBench();
  if (mode === "save") {
    const initial = model.getWeights();
    for (let k = 0; ; k++) {
      model.setWeights(crashWriterWeights(initial, k));
      say(`saving ${k}`);
      model.save(path);
    }
  }
  if (mode === "checkpoint") {
    const { x, y } = crashWriterData();
    const announce: Callback = { onEpochEnd: (epoch) => say(`saving ${epoch}`) };
    model.fit(x, y, { ...CHECKPOINT_FIT, epochs: 1_000_000, callbacks: [announce, modelCheckpoint({ path, monitor: "loss" })] });
  }
  throw new Error(`crash-writer: unknown mode "${mode}"`);
}

if (process.argv[1]?.endsWith("crash-writer.ts")) main(process.argv[2]!, process.argv[3]!);
