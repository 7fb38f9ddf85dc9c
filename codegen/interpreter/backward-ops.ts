// The backward rule (vector-Jacobian product) of every op but "input" and "param", one plain rule
// per op: no fusion. Each adds into the gradients of its arguments, so a value read twice (a shared
// layer, a weight read by every example) sums its gradients.

import { activationBackward, DEFAULT_ALPHA, type FunctionName } from "./activations";
import { embeddingRow, reduction, type ComputedOp } from "./forward-ops";
import { batchNormalizationBackward, layerNormalizationBackward } from "./normalization";
import type { BackwardRule } from "./op-call";
import { lstmBackward, simpleRnnBackward } from "./recurrent";
import { lastAxis, row, rowStart } from "./tensor";

/** A view of example b's gradient row of argument i. */
function gradRow(g: Float64Array, size: number, perExample: boolean, b: number): Float64Array {
  const start = perExample ? b * size : 0;
  return g.subarray(start, start + size);
}

function unary(name: FunctionName): BackwardRule {
  return ({ node, args: [x], out, rows }, dOut, [dx]) => {
    if (!dx) return;
    const alpha = (node.attrs.alpha as number | undefined) ?? DEFAULT_ALPHA;
    const width = lastAxis(node.shape);
    for (let b = 0; b < rows; b++) {
      const dy = dOut.subarray(rowStart(out, b), rowStart(out, b) + out.size);
      activationBackward(name, row(x!, b), row(out, b), dy, gradRow(dx, x!.size, x!.perExample, b), width, alpha);
    }
  };
}

/** d/da and d/db of f(a, b), element-wise. */
function binary(da: (a: number, b: number) => number, db: (a: number, b: number) => number): BackwardRule {
  return ({ args: [x, y], out, rows }, dOut, [dx, dy]) => {
    for (let b = 0; b < rows; b++) {
      const [xs, ys, os] = [rowStart(x!, b), rowStart(y!, b), rowStart(out, b)];
      for (let i = 0; i < out.size; i++) {
        const [u, v, g] = [x!.data[xs + i]!, y!.data[ys + i]!, dOut[os + i]!];
        if (dx) dx[xs + i]! += g * da(u, v);
        if (dy) dy[ys + i]! += g * db(u, v);
      }
    }
  };
}

function reduce(isMean: boolean): BackwardRule {
  return (call, dOut, [dx]) => {
    if (!dx) return;
    const { outer, n, inner } = reduction(call);
    const x = call.args[0]!;
    for (let b = 0; b < call.rows; b++) {
      const [xs, os] = [rowStart(x, b), rowStart(call.out, b)];
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const g = dOut[os + o * inner + i]! / (isMean ? n : 1);
          for (let j = 0; j < n; j++) dx[xs + (o * n + j) * inner + i]! += g;
        }
      }
    }
  };
}

/** da = dY Wᵀ, dW = Aᵀ dY. */
const matmul: BackwardRule = ({ args: [a, w], argShapes, out, rows }, dOut, [da, dw]) => {
  const [k, n] = argShapes[1] as [number, number];
  const m = a!.size / k;
  for (let b = 0; b < rows; b++) {
    const [as, ws, os] = [rowStart(a!, b), rowStart(w!, b), rowStart(out, b)];
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < n; j++) {
        const g = dOut[os + r * n + j]!;
        for (let i = 0; i < k; i++) {
          if (da) da[as + r * k + i]! += g * w!.data[ws + i * n + j]!;
          if (dw) dw[ws + i * n + j]! += g * a!.data[as + r * k + i]!;
        }
      }
    }
  }
};

const biasAdd: BackwardRule = ({ args: [x, bias], out, rows }, dOut, [dx, dBias]) => {
  for (let b = 0; b < rows; b++) {
    const [xs, bs, os] = [rowStart(x!, b), rowStart(bias!, b), rowStart(out, b)];
    for (let i = 0; i < out.size; i++) {
      if (dx) dx[xs + i]! += dOut[os + i]!;
      if (dBias) dBias[bs + (i % bias!.size)]! += dOut[os + i]!;
    }
  }
};

const concatenate: BackwardRule = ({ args, argShapes, out, rows }, dOut, dArgs) => {
  const widths = argShapes.map(lastAxis);
  const total = widths.reduce((s, w) => s + w, 0);
  for (let b = 0; b < rows; b++) {
    let offset = 0;
    args.forEach((x, k) => {
      const width = widths[k]!;
      const dx = dArgs[k];
      const [xs, os] = [rowStart(x, b), rowStart(out, b)];
      if (dx) {
        for (let p = 0; p < x.size / width; p++) {
          for (let c = 0; c < width; c++) dx[xs + p * width + c]! += dOut[os + p * total + offset + c]!;
        }
      }
      offset += width;
    });
  }
};

const reshape: BackwardRule = ({ args: [x], out, rows }, dOut, [dx]) => {
  if (!dx) return;
  for (let b = 0; b < rows; b++) {
    const [xs, os] = [rowStart(x!, b), rowStart(out, b)];
    for (let i = 0; i < out.size; i++) dx[xs + i]! += dOut[os + i]!;
  }
};

const dropout: BackwardRule = (call, dOut, [dx], ctx) => {
  if (!dx) return;
  const x = call.args[0]!;
  const out = call.out;
  const scale = ctx.training ? 1 / (1 - (call.node.attrs.rate as number)) : 1;
  const mask = ctx.training ? ctx.dropoutMask(call.node) : null;
  for (let b = 0; b < call.rows; b++) {
    const [xs, os] = [rowStart(x, b), rowStart(out, b)];
    for (let i = 0; i < out.size; i++) dx[xs + i]! += mask ? dOut[os + i]! * mask[b * out.size + i]! * scale : dOut[os + i]!;
  }
};

/** The table's gradient scatter-adds each id's upstream row; ids get none. */
const embedding: BackwardRule = (call, dOut, [, dTable]) => {
  if (!dTable) return;
  const [ids, table] = call.args as [typeof call.out, typeof call.out];
  const dim = (call.argShapes[1] as [number, number])[1];
  for (let b = 0; b < call.rows; b++) {
    const [is, ts, os] = [rowStart(ids, b), rowStart(table, b), rowStart(call.out, b)];
    for (let s = 0; s < ids.size; s++) {
      const r = embeddingRow(call, ids.data[is + s]!);
      for (let d = 0; d < dim; d++) dTable[ts + r * dim + d]! += dOut[os + s * dim + d]!;
    }
  }
};

const noGradient = (op: string): BackwardRule => (call) => {
  throw new Error(`${call.node.id}: ${op} has no gradient (1 where x > 0, else 0)`);
};

export const BACKWARD: Readonly<Record<ComputedOp, BackwardRule>> = {
  matmul,
  biasAdd,
  add: binary(() => 1, () => 1),
  subtract: binary(() => 1, () => -1),
  multiply: binary((_, v) => v, (u) => u),
  sigmoid: unary("sigmoid"),
  tanh: unary("tanh"),
  relu: unary("relu"),
  leakyRelu: unary("leakyRelu"),
  softmax: unary("softmax"),
  step: noGradient("step"),
  exp: unary("exp"),
  log: unary("log"),
  concatenate,
  reshape,
  sum: reduce(false),
  mean: reduce(true),
  dropout,
  embedding,
  simpleRNN: simpleRnnBackward,
  lstm: lstmBackward,
  batchNormalization: batchNormalizationBackward,
  layerNormalization: layerNormalizationBackward,
};
