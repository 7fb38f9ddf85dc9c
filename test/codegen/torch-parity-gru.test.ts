import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { dense, gru, input, sequential, sgd, type CompiledModel } from "typegrad/dsl";
import { findTorch, TORCH_INSTALL } from "../../bench/peers/torch";
import { liveModel } from "../support/live-model";
import { seededRandom } from "../support/random-data";

// Parity of the generated gru kernels WITH resetAfter (Keras 3's default) against PyTorch's nn.GRU
// (CPU, float32), which has no other peer here (TF.js 4.22's GRU refuses resetAfter; the form
// without it is held to TF.js in tfjs-parity-gru.test.ts). Both libraries start from the SAME
// EXPLICIT weights (seeded, moderate), train three steps of plain or momentum SGD on one batch with
// mean squared error, then predict. Compared: each step's loss (1e-5), the predictions (1e-5) and
// every weight (5e-5), all ABSOLUTE; every weight must have moved by more than 1e-3.
//
// PyTorch runs in Python (test/support/torch_gru_parity.py, every case in one process, the request
// as JSON on stdin), found as the bench finds it (bench/peers/torch.ts' findTorch: $TORCH_PYTHON,
// then python3 on PATH, which may be a pyenv shim without torch, then Debian's /usr/bin/python3).
// Without an interpreter that imports torch, the suite is skipped and its name says so.
//
// Where the two line up:
// - The maths. PyTorch: r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h. Keras 3 with resetAfter:
//   z = σ(x·K_z + b_in_z + h·R_z + b_rec_z), r likewise, h~ = tanh(x·K_h + b_in_h + r ⊙ (h·R_h +
//   b_rec_h)), h = z ⊙ h + (1 − z) ⊙ h~. The same cell, with n = h~ and b_ih = bias row 0 (input),
//   b_hh = bias row 1 (recurrent).
// - The layout, which differs twice. PyTorch stacks its gates in the order (r, z, n) along the ROWS
//   of weight_ih_l0 [3U, F] and weight_hh_l0 [3U, U] (each W·x, so transposed against Keras);
//   Keras stacks (z, r, h) along the COLUMNS of kernel [F, 3U] and recurrent_kernel [U, 3U] (x·K).
//   So torch row g·U + u, column f  <->  Keras row f, column k(g)·U + u with k = (r -> 1, z -> 0,
//   n -> 2) (TORCH_TO_KERAS_BLOCK); the biases likewise with one row. Dense: nn.Linear's weight
//   [O, I] is Keras' kernel [I, O] transposed. Every weight is mapped by name and shape below.
// - Both start from h_0 = 0 (nn.GRU's default state), run forward in time, no masking, no dropout.
// - Loss: Keras' meanSquaredError averages over the outputs and then over the batch (and the steps,
//   for a per-step output): the mean over every number, F.mse_loss's "mean".
// - SGD with momentum: torch's b = m·b + g (b = g at the first step), w -= lr·b equals Keras 3's
//   v = m·v − lr·g, w += v with v = −lr·b (constant learning rate), up to float32 rounding.

const PREDICTION_TOLERANCE = 1e-5;
const WEIGHT_TOLERANCE = 5e-5;
const LOSS_TOLERANCE = 1e-5;
const MOVED = 1e-3;
const STEPS = 3;

const torch = findTorch();
const SCRIPT = fileURLToPath(new URL("../support/torch_gru_parity.py", import.meta.url));
const SKIP_REASON = torch
  ? `(torch ${torch.torch}, ${torch.python})`
  : `— SKIPPED: no python imports torch (tried $TORCH_PYTHON, python3 on PATH, /usr/bin/python3; ${TORCH_INSTALL})`;

if (!torch) console.warn(`torch-parity-gru: skipped ${SKIP_REASON}`);

type TypegradNet = ReturnType<typeof liveModel>;

function floats(count: number, seed: number, scale = 1): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => Math.fround((2 * next() - 1) * scale));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// ------------------------------------------------------------ weight mapping

/** PyTorch's gate blocks (r, z, n), each with the index of the same gate's block in Keras' (z, r, h). */
const TORCH_TO_KERAS_BLOCK = [1, 0, 2] as const;

/**
 * Keras' gate-stacked [rows, 3U] (blocks z, r, h along the columns) as PyTorch's [3U, rows] (blocks
 * r, z, n along the rows): torch[g·U + u][f] = keras[f][k(g)·U + u].
 */
function kerasGatesToTorch(keras: Float32Array, rows: number, units: number): Float32Array {
  expect(keras.length).toBe(rows * 3 * units);
  const out = new Float32Array(keras.length);
  TORCH_TO_KERAS_BLOCK.forEach((k, g) => {
    for (let u = 0; u < units; u++) for (let f = 0; f < rows; f++) out[(g * units + u) * rows + f] = keras[f * 3 * units + k * units + u]!;
  });
  return out;
}

/** The inverse of kerasGatesToTorch. */
function torchGatesToKeras(torch: Float32Array, rows: number, units: number): Float32Array {
  expect(torch.length).toBe(rows * 3 * units);
  const out = new Float32Array(torch.length);
  TORCH_TO_KERAS_BLOCK.forEach((k, g) => {
    for (let u = 0; u < units; u++) for (let f = 0; f < rows; f++) out[f * 3 * units + k * units + u] = torch[(g * units + u) * rows + f]!;
  });
  return out;
}

/** [rows, cols] as [cols, rows]. */
function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  expect(w.length).toBe(rows * cols);
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

/** One layer of the PyTorch stack (test/support/torch_gru_parity.py's request). */
type TorchLayer =
  | { readonly type: "gru"; readonly input: number; readonly units: number; readonly bias: boolean; readonly returnSequences: boolean }
  | { readonly type: "linear"; readonly input: number; readonly units: number; readonly bias: boolean };

/**
 * One typegrad weight and the PyTorch parameter(s) it becomes: a GRU bias [2, 3U] is two (b_ih from
 * row 0, b_hh from row 1); everything else one.
 */
interface Mapping {
  /** typegrad's parameter index and name. */
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly torchNames: readonly string[];
  readonly toTorch: (keras: Float32Array) => Float32Array[];
  readonly toKeras: (torch: readonly Float32Array[]) => Float32Array;
}

/**
 * Pairs every typegrad weight with PyTorch's, layer by layer: the typegrad layer's name (gru, gru_1;
 * dense, dense_1) against the torch layer's type, the weight's suffix, and the shape implied by the
 * torch layer's sizes on typegrad's side.
 */
function mapWeights(net: TypegradNet, layers: readonly TorchLayer[]): Mapping[] {
  const params = net.spec.params;
  const maps: Mapping[] = [];
  const take = (i: number, pattern: RegExp, suffix: string, shape: number[]) => {
    const index = maps.length;
    const param = params[index];
    expect(param, `no typegrad weight for torch layer ${i}'s ${suffix}`).toBeDefined();
    expect(param!.layer, `${param!.name} against torch layer ${i}`).toMatch(pattern);
    expect(param!.name).toBe(`${param!.layer}_${suffix}`);
    expect([...param!.shape], param!.name).toEqual(shape);
    return { index, name: param!.name, shape };
  };
  layers.forEach((layer, i) => {
    const { input: F, units: U } = layer;
    if (layer.type === "gru") {
      const gates = (rows: number) => ({
        toTorch: (keras: Float32Array) => [kerasGatesToTorch(keras, rows, U)],
        toKeras: ([torch]: readonly Float32Array[]) => torchGatesToKeras(torch!, rows, U),
      });
      maps.push({ ...take(i, /^gru(_\d+)?$/, "kernel", [F, 3 * U]), torchNames: [`${i}.weight_ih_l0`], ...gates(F) });
      maps.push({ ...take(i, /^gru(_\d+)?$/, "recurrent_kernel", [U, 3 * U]), torchNames: [`${i}.weight_hh_l0`], ...gates(U) });
      if (layer.bias) {
        maps.push({
          ...take(i, /^gru(_\d+)?$/, "bias", [2, 3 * U]), // resetAfter: row 0 input bias, row 1 recurrent bias
          torchNames: [`${i}.bias_ih_l0`, `${i}.bias_hh_l0`],
          toTorch: (keras) => [0, 1].map((row) => kerasGatesToTorch(keras.subarray(row * 3 * U, (row + 1) * 3 * U), 1, U)),
          toKeras: (torch) => {
            const out = new Float32Array(2 * 3 * U);
            torch.forEach((b, row) => out.set(torchGatesToKeras(b, 1, U), row * 3 * U));
            return out;
          },
        });
      }
    } else {
      maps.push({
        ...take(i, /^dense(_\d+)?$/, "kernel", [F, U]),
        torchNames: [`${i}.weight`],
        toTorch: (keras) => [transpose(keras, F, U)],
        toKeras: ([torch]) => transpose(torch!, U, F),
      });
      if (layer.bias) {
        maps.push({ ...take(i, /^dense(_\d+)?$/, "bias", [U]), torchNames: [`${i}.bias`], toTorch: (k) => [k.slice()], toKeras: ([t]) => t!.slice() });
      }
    }
  });
  expect(maps.length, `typegrad's weights: ${params.map((p) => p.name).join(", ")}`).toBe(params.length);
  return maps;
}

/** Explicit, moderate starting weights (seeded): input kernels ±0.6, recurrent kernels ±0.5, biases ±0.2, dense ±0.6. */
function explicitWeights(maps: readonly Mapping[], seed: number): Float32Array[] {
  return maps.map((m, k) => {
    const count = m.shape.reduce((a, b) => a * b, 1);
    const scale = m.name.endsWith("recurrent_kernel") ? 0.5 : m.name.endsWith("bias") ? 0.2 : 0.6;
    return Float32Array.from(floats(count, seed + 101 * k, scale));
  });
}

// ------------------------------------------------------------ the cases

interface ParityCase {
  readonly title: string;
  readonly typegrad: CompiledModel;
  readonly torchLayers: readonly TorchLayer[];
  readonly names: readonly string[];
  readonly learningRate: number;
  readonly momentum: number;
  /** [B, T, F] and the batch, flat. */
  readonly xShape: readonly [number, number, number];
  readonly x: readonly number[];
  /** [B, O] or [B, T, O] and the targets, flat. */
  readonly yShape: readonly number[];
  readonly y: readonly number[];
  readonly seed: number;
}

function lastStepCase(): ParityCase {
  const T = 5, F = 3, U = 4, O = 2, B = 6;
  return {
    title: "[T, F] -> gru(4) -> dense(2), mean squared error, SGD",
    typegrad: sequential(input([T, F]), gru(U), dense(O)).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.5 }) }),
    torchLayers: [
      { type: "gru", input: F, units: U, bias: true, returnSequences: false },
      { type: "linear", input: U, units: O, bias: true },
    ],
    names: ["gru_kernel", "gru_recurrent_kernel", "gru_bias", "dense_kernel", "dense_bias"],
    learningRate: 0.5,
    momentum: 0,
    xShape: [B, T, F],
    x: floats(B * T * F, 2101),
    yShape: [B, O],
    y: floats(B * O, 2102, 0.8),
    seed: 21000,
  };
}

function stackedCase(): ParityCase {
  const T = 4, F = 2, A = 3, H = 4, O = 1, B = 5;
  return {
    title: "stacked: gru(3, returnSequences, no bias) -> gru(4) -> dense(1), mean squared error, momentum SGD",
    typegrad: sequential(input([T, F]), gru(A, { returnSequences: true, useBias: false }), gru(H), dense(O)).compile({
      loss: "meanSquaredError",
      optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }),
    }),
    torchLayers: [
      { type: "gru", input: F, units: A, bias: false, returnSequences: true },
      { type: "gru", input: A, units: H, bias: true, returnSequences: false },
      { type: "linear", input: H, units: O, bias: true },
    ],
    names: ["gru_kernel", "gru_recurrent_kernel", "gru_1_kernel", "gru_1_recurrent_kernel", "gru_1_bias", "dense_kernel", "dense_bias"],
    learningRate: 0.3,
    momentum: 0.9,
    xShape: [B, T, F],
    x: floats(B * T * F, 2201),
    yShape: [B, O],
    y: floats(B * O, 2202, 0.8),
    seed: 22000,
  };
}

function perStepCase(): ParityCase {
  const T = 4, F = 3, U = 3, O = 2, B = 4;
  return {
    title: "per step: gru(3, returnSequences) -> dense(2) at every step, mean squared error over [T, 2], SGD",
    typegrad: sequential(input([T, F]), gru(U, { returnSequences: true }), dense(O)).compile({
      loss: "meanSquaredError",
      optimizer: sgd({ learningRate: 0.5 }),
    }),
    torchLayers: [
      { type: "gru", input: F, units: U, bias: true, returnSequences: true },
      { type: "linear", input: U, units: O, bias: true },
    ],
    names: ["gru_kernel", "gru_recurrent_kernel", "gru_bias", "dense_kernel", "dense_bias"],
    learningRate: 0.5,
    momentum: 0,
    xShape: [B, T, F],
    x: floats(B * T * F, 2301),
    yShape: [B, T, O],
    y: floats(B * T * O, 2302, 0.8),
    seed: 23000,
  };
}

const CASES = [lastStepCase(), stackedCase(), perStepCase()];

// ------------------------------------------------------------ the run

interface TorchAnswer {
  readonly losses: number[];
  readonly predictions: number[];
  readonly params: Record<string, number[]>;
}

interface Prepared {
  readonly net: TypegradNet;
  readonly maps: readonly Mapping[];
  readonly initial: readonly Float32Array[];
}

/** typegrad's model with the explicit weights set, and the same weights in PyTorch's names and layout. */
function prepare(c: ParityCase): { prepared: Prepared; torchParams: Record<string, number[]> } {
  const net = liveModel(c.typegrad);
  expect(net.spec.params.map((p) => p.name)).toEqual(c.names);
  const maps = mapWeights(net, c.torchLayers);
  const own = net.getWeights();
  for (const m of maps.filter((q) => /^gru(_\d+)?_bias$/.test(q.name))) {
    expect(own[m.index], `typegrad's initial ${m.name}: both rows zero`).toEqual(new Float32Array(m.shape[0]! * m.shape[1]!));
  }
  const initial = explicitWeights(maps, c.seed);
  net.setWeights(initial);
  expect(net.getWeights()).toEqual(initial);
  const torchParams: Record<string, number[]> = {};
  for (const m of maps) {
    const converted = m.toTorch(initial[m.index]!);
    expect(m.toKeras(converted), `${m.name}: the mapping round-trips`).toEqual(initial[m.index]);
    m.torchNames.forEach((name, j) => (torchParams[name] = Array.from(converted[j]!)));
  }
  return { prepared: { net, maps, initial }, torchParams };
}

/** Rows of a flat array, `width` numbers each. */
function rows(flat: readonly number[], width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, b) => flat.slice(b * width, (b + 1) * width));
}

describe.skipIf(!torch)(`parity with PyTorch nn.GRU: gru with resetAfter (Keras 3's default) ${SKIP_REASON}`, () => {
  const prepared: Prepared[] = [];
  const answers: TorchAnswer[] = [];

  beforeAll(() => {
    const request = {
      cases: CASES.map((c) => {
        const { prepared: p, torchParams } = prepare(c);
        prepared.push(p);
        return {
          layers: c.torchLayers,
          params: torchParams,
          x: c.x,
          xShape: c.xShape,
          y: c.y,
          yShape: c.yShape,
          learningRate: c.learningRate,
          momentum: c.momentum,
          steps: STEPS,
        };
      }),
    };
    const out = execFileSync(torch!.python, [SCRIPT], { input: JSON.stringify(request), encoding: "utf8", timeout: 60_000 });
    const line = out.split("\n").find((l) => l.startsWith("{"));
    expect(line, `torch_gru_parity.py printed no JSON: ${out}`).toBeDefined();
    answers.push(...(JSON.parse(line!) as { cases: TorchAnswer[] }).cases);
    expect(answers.length).toBe(CASES.length);
  });

  it("the mapping: Keras' (z, r, h) columns become PyTorch's (r, z, n) rows, transposed", () => {
    const F = 2, U = 3;
    // keras[f][col] = 100·f + col: every entry says where it came from.
    const keras = Float32Array.from({ length: F * 3 * U }, (_, i) => 100 * Math.floor(i / (3 * U)) + (i % (3 * U)));
    const t = kerasGatesToTorch(keras, F, U);
    const at = (row: number, f: number) => t[row * F + f];
    expect(at(0, 1)).toBe(100 + U); // torch r, unit 0  <- Keras r block (columns U..2U)
    expect(at(U + 2, 0)).toBe(2); // torch z, unit 2  <- Keras z block (columns 0..U)
    expect(at(2 * U + 1, 1)).toBe(100 + 2 * U + 1); // torch n, unit 1 <- Keras h block (columns 2U..3U)
    expect(torchGatesToKeras(t, F, U)).toEqual(keras);
  });

  CASES.forEach((c, k) => {
    it(c.title, () => {
      const { net, maps, initial } = prepared[k]!;
      const theirs = answers[k]!;
      const [B, T, F] = c.xShape;
      const x = rows(c.x, T * F).map((example) => rows(example, F));
      const y = rows(c.y, c.y.length / B);

      const history: Float32Array[][] = [];
      let lossDiff = 0;
      for (let step = 0; step < STEPS; step++) {
        history.push(net.getWeights());
        const loss = net.trainOnBatch(x, y) as number;
        lossDiff = Math.max(lossDiff, Math.abs(loss - theirs.losses[step]!));
      }
      history.push(net.getWeights());
      const predictionDiff = maxAbsDiff(net.predict(x, { batchSize: B }).flat(), theirs.predictions);

      const final = history[STEPS]!;
      const weightDiffs = maps.map((m) => {
        const torchFinal = m.torchNames.map((name) => Float32Array.from(theirs.params[name]!));
        return [m.name, maxAbsDiff(final[m.index]!, m.toKeras(torchFinal))] as const;
      });
      if (process.env.TORCH_PARITY_REPORT) console.log({ lossDiff, predictionDiff, weightDiffs: Object.fromEntries(weightDiffs) });

      expect(lossDiff).toBeLessThan(LOSS_TOLERANCE);
      expect(predictionDiff).toBeLessThan(PREDICTION_TOLERANCE);
      for (const [name, diff] of weightDiffs) expect(diff, name).toBeLessThan(WEIGHT_TOLERANCE);
      for (const m of maps) expect(maxAbsDiff(initial[m.index]!, final[m.index]!), `${m.name} moved`).toBeGreaterThan(MOVED);
    });
  });
});
