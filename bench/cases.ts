// The benchmark cases: each a network, its data, and what a step means.

export interface Case {
  readonly name: string;
  readonly description: string;
  /** "steps/s" counts optimiser steps; "samples/s" counts examples trained on. */
  readonly unit: "steps/s" | "samples/s";
  readonly batch: number;
  readonly layers: readonly number[];
  readonly hidden: "sigmoid" | "relu";
  readonly output: "sigmoid" | "softmax";
  readonly loss: "meanSquaredError" | "categoricalCrossentropy";
  readonly optimizer: "sgd" | "adam";
  readonly learningRate: number;
  readonly useBias: boolean;
  /** Peers to compare with; "torch-*" run in Python (bench/peers/torch.ts), skipped without torch. */
  readonly peers: readonly string[];
  /** Required ratios: typegrad's throughput over a peer's. */
  readonly bars: Readonly<Record<string, number>>;
}

export const CASES: readonly Case[] = [
  {
    name: "xor",
    description: "XOR 2-8-1 sigmoid, MSE, SGD, full batch of 4",
    unit: "steps/s",
    batch: 4,
    layers: [2, 8, 1],
    hidden: "sigmoid",
    output: "sigmoid",
    loss: "meanSquaredError",
    optimizer: "sgd",
    learningRate: 0.5,
    useBias: true,
    peers: ["brain.js", "tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-all"],
    bars: { "brain.js": 4, "tfjs-cpu": 1000, "tfjs-wasm": 1000 },
  },
  {
    name: "seed",
    description: "the seed's 2-2-2 sigmoid network, SGD, batch 1",
    unit: "steps/s",
    batch: 1,
    layers: [2, 2, 2],
    hidden: "sigmoid",
    output: "sigmoid",
    loss: "meanSquaredError",
    optimizer: "sgd",
    learningRate: 0.5,
    useBias: false,
    peers: ["brain.js", "tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-all"],
    bars: {},
  },
  {
    name: "mlp",
    description: "MLP 784-256-128-10 relu/softmax, categorical cross-entropy, Adam, batch 128",
    unit: "samples/s",
    batch: 128,
    layers: [784, 256, 128, 10],
    hidden: "relu",
    output: "softmax",
    loss: "categoricalCrossentropy",
    optimizer: "adam",
    learningRate: 0.001,
    useBias: true,
    peers: ["tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-all"],
    bars: { "tfjs-wasm": 1.5 },
  },
];

export function findCase(name: string): Case {
  const found = CASES.find((c) => c.name === name);
  if (!found) throw new Error(`bench: no case "${name}"; cases: ${CASES.map((c) => c.name).join(", ")}`);
  return found;
}

/** Deterministic data: inputs in [0, 1), one-hot or [0, 1) targets. */
export function caseData(c: Case): { x: number[][]; y: number[][] } {
  let state = 12345;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
  if (c.name === "xor") return { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]] };
  if (c.name === "seed") return { x: [[0.1, 0.2]], y: [[0.4, 0.6]] };
  const [inputs, ...rest] = c.layers;
  const classes = rest[rest.length - 1]!;
  const x = Array.from({ length: c.batch }, () => Array.from({ length: inputs! }, next));
  const y = Array.from({ length: c.batch }, () => {
    const k = Math.floor(next() * classes);
    return Array.from({ length: classes }, (_, j) => (j === k ? 1 : 0));
  });
  return { x, y };
}
