// The forward rule of every op but "input" and "param" (which the driver fills in).

import type { OpName } from "../../dsl/ir";
import { activate, DEFAULT_ALPHA, type FunctionName } from "./activations";
import { batchNormalizationForward, layerNormalizationForward } from "./normalization";
import type { ForwardRule, OpCall } from "./op-call";
import { lstmForward, simpleRnnForward } from "./recurrent";
import { lastAxis, row, rowStart, sizeOf } from "./tensor";

export type ComputedOp = Exclude<OpName, "input" | "param">;

/** out[b] = f(args[0][b]) for an element-wise function (softmax: over the last axis). */
function unary(name: FunctionName): ForwardRule {
  return (call) => {
    const alpha = (call.node.attrs.alpha as number | undefined) ?? DEFAULT_ALPHA;
    const width = lastAxis(call.node.shape);
    for (let b = 0; b < call.rows; b++) activate(name, row(call.args[0]!, b), row(call.out, b), width, alpha);
  };
}

function binary(f: (a: number, b: number) => number): ForwardRule {
  return ({ args: [x, y], out, rows }) => {
    for (let b = 0; b < rows; b++) {
      const [xs, ys, os] = [rowStart(x!, b), rowStart(y!, b), rowStart(out, b)];
      for (let i = 0; i < out.size; i++) out.data[os + i] = f(x!.data[xs + i]!, y!.data[ys + i]!);
    }
  };
}

/** The sizes of a reduction: outer x n x inner, reduced over n (axis null: everything). */
export function reduction(call: OpCall): { outer: number; n: number; inner: number } {
  const shape = call.argShapes[0]!;
  const axis = call.node.attrs.axis as number | null;
  if (axis === null) return { outer: 1, n: sizeOf(shape), inner: 1 };
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

function reduce(isMean: boolean): ForwardRule {
  return (call) => {
    const { outer, n, inner } = reduction(call);
    const x = call.args[0]!;
    for (let b = 0; b < call.rows; b++) {
      const [xs, os] = [rowStart(x, b), rowStart(call.out, b)];
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let sum = 0;
          for (let j = 0; j < n; j++) sum += x.data[xs + (o * n + j) * inner + i]!;
          call.out.data[os + o * inner + i] = isMean ? sum / n : sum;
        }
      }
    }
  };
}

/** [...M, K] x [K, N] -> [...M, N]. */
const matmul: ForwardRule = ({ args: [a, w], argShapes, out, rows }) => {
  const [k, n] = argShapes[1] as [number, number];
  const m = a!.size / k;
  for (let b = 0; b < rows; b++) {
    const [as, ws, os] = [rowStart(a!, b), rowStart(w!, b), rowStart(out, b)];
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let i = 0; i < k; i++) sum += a!.data[as + r * k + i]! * w!.data[ws + i * n + j]!;
        out.data[os + r * n + j] = sum;
      }
    }
  }
};

const biasAdd: ForwardRule = ({ args: [x, bias], out, rows }) => {
  for (let b = 0; b < rows; b++) {
    const [xs, bs, os] = [rowStart(x!, b), rowStart(bias!, b), rowStart(out, b)];
    for (let i = 0; i < out.size; i++) out.data[os + i] = x!.data[xs + i]! + bias!.data[bs + (i % bias!.size)]!;
  }
};

/** Along the last axis: each leading position takes the inputs' last-axis vectors in turn. */
const concatenate: ForwardRule = ({ args, argShapes, out, rows }) => {
  const widths = argShapes.map(lastAxis);
  const total = widths.reduce((s, w) => s + w, 0);
  for (let b = 0; b < rows; b++) {
    let offset = 0;
    args.forEach((x, k) => {
      const width = widths[k]!;
      const [xs, os] = [rowStart(x, b), rowStart(out, b)];
      for (let p = 0; p < x.size / width; p++) {
        for (let c = 0; c < width; c++) out.data[os + p * total + offset + c] = x.data[xs + p * width + c]!;
      }
      offset += width;
    });
  }
};

const reshape: ForwardRule = ({ args: [x], out, rows }) => {
  for (let b = 0; b < rows; b++) row(out, b).set(row(x!, b));
};

/** Inverted dropout: x * mask / (1 - rate) in training, x at inference. */
const dropout: ForwardRule = (call, ctx) => {
  const x = call.args[0]!;
  const out = call.out;
  const scale = ctx.training ? 1 / (1 - (call.node.attrs.rate as number)) : 1;
  const mask = ctx.training ? ctx.dropoutMask(call.node) : null;
  for (let b = 0; b < call.rows; b++) {
    const [xs, os] = [rowStart(x, b), rowStart(out, b)];
    for (let i = 0; i < out.size; i++) out.data[os + i] = mask ? x.data[xs + i]! * mask[b * out.size + i]! * scale : x.data[xs + i]!;
  }
};

/** The row of the table for one id, checked. */
export function embeddingRow(call: OpCall, id: number): number {
  const [vocabulary] = call.argShapes[1] as [number, number];
  if (!(Number.isInteger(id) && id >= 0 && id < vocabulary)) {
    throw new Error(`${call.node.id}: token id ${id} is outside [0, ${vocabulary}) (embedding inputDim ${vocabulary})`);
  }
  return id;
}

/** ids [...S] -> [...S, D]: row `id` of the table for each id. */
const embedding: ForwardRule = (call) => {
  const [ids, table] = call.args as [typeof call.out, typeof call.out];
  const dim = (call.argShapes[1] as [number, number])[1];
  for (let b = 0; b < call.rows; b++) {
    const [is, ts, os] = [rowStart(ids, b), rowStart(table, b), rowStart(call.out, b)];
    for (let s = 0; s < ids.size; s++) {
      const r = embeddingRow(call, ids.data[is + s]!);
      call.out.data.set(table.data.subarray(ts + r * dim, ts + (r + 1) * dim), os + s * dim);
    }
  }
};

export const FORWARD: Readonly<Record<ComputedOp, ForwardRule>> = {
  matmul,
  biasAdd,
  add: binary((a, b) => a + b),
  subtract: binary((a, b) => a - b),
  multiply: binary((a, b) => a * b),
  sigmoid: unary("sigmoid"),
  tanh: unary("tanh"),
  relu: unary("relu"),
  leakyRelu: unary("leakyRelu"),
  softmax: unary("softmax"),
  step: unary("step"),
  exp: unary("exp"),
  log: unary("log"),
  concatenate,
  reshape,
  sum: reduce(false),
  mean: reduce(true),
  dropout,
  embedding,
  simpleRNN: simpleRnnForward,
  lstm: lstmForward,
  batchNormalization: batchNormalizationForward,
  layerNormalization: layerNormalizationForward,
};
