// embedding: int32 ids [...S] and a table [V, D] -> [...S, D]. Forward gathers row `id` of the table
// for every id; backward zeroes the table's gradient (where the scatter-add is its one writer, only
// the rows the previous batch wrote: the runtime's zeroWrittenRows) and scatter-adds each position's
// upstream row into the row of its id (no one-hot product). Ids get no gradient. With maskZero, forward also
// writes the mask the layers after it read: 1 per position holding a token, 0 where the id is 0.
// Where every reader takes the rows straight from the table (rowGather; the recurrent layers, which
// copy them step-major anyway), the embedding has no buffer of its own: forward writes only the mask,
// and the readers scatter-add into the table's gradient after the zeroing tableGradient gives them.

import type { OpCall } from "../interpreter/op-call";
import { rowStart } from "../interpreter/tensor";
import type { Mode } from "../lowering/common";
import { perBatch, rowCopy, zeroFill } from "../lowering/literals";
import { booleanAttr, nodeStep, numberAttr, type BackwardContext, type LoweringContext, type OpNode, type OpRule, type RowGather } from "./rule";

export interface EmbeddingAttrs {
  /** The vocabulary: ids lie in [0, inputDim). */
  readonly inputDim: number;
  /** Id 0 is padding, to be masked by the layers after. */
  readonly maskZero: boolean;
}

/** The row of the table for one id, checked. */
function tableRow(call: OpCall<EmbeddingAttrs>, id: number): number {
  const vocabulary = call.attrs.inputDim;
  if (!(Number.isInteger(id) && id >= 0 && id < vocabulary)) {
    throw new Error(`${call.node.id}: token id ${id} is outside [0, ${vocabulary}) (embedding inputDim ${vocabulary})`);
  }
  return id;
}

export const embedding: OpRule<EmbeddingAttrs> = {
  attrs: (node) => ({ inputDim: numberAttr(node, "inputDim"), maskZero: booleanAttr(node, "maskZero", false) }),
  idLimit: ({ attrs }, index) => (index === 0 ? attrs.inputDim : null),
  producesMask: ({ attrs }) => attrs.maskZero,
  buffers: ({ node, attrs }, ctx) =>
    attrs.maskZero ? [{ name: ctx.mask(node.id)!, role: "mask", perExample: ctx.size(node.inputs[0]!), fixed: null, dtype: "float32" }] : [],
  forward({ node, attrs }, ctx, mode) {
    const [ids, tableId] = node.inputs as [string, string];
    const [table, out] = [ctx.value(tableId, mode), ctx.value(node.id, mode)];
    const dim = ctx.lastDim(node.id);
    const mask = attrs.maskZero ? ctx.mask(node.id)! : null;
    const masking = mask
      ? [
          `// ${mask}[r]: 1 where the id is a token, 0 where it is padding (id 0); the recurrent layers after skip padded steps, the loss leaves them out`,
          `${mask}[r] = ${ctx.value(ids, mode)}[r] === 0 ? 0 : 1;`,
        ]
      : [];
    const positions = perBatch(ctx.size(ids));
    if (ctx.gathered(node.id, mode)) {
      return mask ? nodeStep(node, "forward", `the padding mask ${mask} (the layers after read ${table}'s rows themselves)`, [`for (let r = 0; r < ${positions}; r++) {`, ...masking, `}`]) : null;
    }
    return nodeStep(node, "forward", `${out}[r, :] = ${table}[${ctx.value(ids, mode)}[r], :], a row gather${mask ? `, and the padding mask ${mask}` : ""}`, [
      `for (let r = 0; r < ${positions}; r++) {`,
      `const row = ${ctx.value(ids, mode)}[r] * ${dim};`,
      `const o = r * ${dim};`,
      ...rowCopy(out, "o", table, "row", dim),
      ...masking,
      `}`,
    ]);
  },
  rowGather,
  backward(op, ctx) {
    const { node } = op;
    const ids = node.inputs[0]!;
    const gradient = ctx.gathered(node.id, "train") ? null : tableGradient(op, ctx);
    if (!gradient) return null;
    const dy = ctx.grad(node.id);
    const dim = ctx.lastDim(node.id);
    return nodeStep(node, "backward", `${gradient.buffer}[id, :] += ${dy}[r, :] for each position r and its id, a scatter-add`, [
      ...gradient.prepare,
      `for (let r = 0; r < ${perBatch(ctx.size(ids))}; r++) {`,
      `const row = ${ctx.value(ids, "train")}[r] * ${dim};`,
      `const o = r * ${dim};`,
      ...rowCopy(gradient.buffer, "row", dy, "o", dim, "+="),
      `}`,
    ]);
  },
  reference: {
    /** ids [...S] -> [...S, D]: row `id` of the table for each id. */
    forward(call) {
      const [ids, table] = call.args as [typeof call.out, typeof call.out];
      const dim = (call.argShapes[1] as [number, number])[1];
      for (let b = 0; b < call.rows; b++) {
        const [is, ts, os] = [rowStart(ids, b), rowStart(table, b), rowStart(call.out, b)];
        for (let s = 0; s < ids.size; s++) {
          const r = tableRow(call, ids.data[is + s]!);
          call.out.data.set(table.data.subarray(ts + r * dim, ts + (r + 1) * dim), os + s * dim);
        }
      }
    },
    /** The table's gradient scatter-adds each id's upstream row; ids get none. */
    backward(call, dOut, [, dTable]) {
      if (!dTable) return;
      const [ids, table] = call.args as [typeof call.out, typeof call.out];
      const dim = (call.argShapes[1] as [number, number])[1];
      for (let b = 0; b < call.rows; b++) {
        const [is, ts, os] = [rowStart(ids, b), rowStart(table, b), rowStart(call.out, b)];
        for (let s = 0; s < ids.size; s++) {
          const r = tableRow(call, ids.data[is + s]!);
          for (let d = 0; d < dim; d++) dTable[ts + r * dim + d]! += dOut[os + s * dim + d]!;
        }
      }
    },
  },
};

/** The table's gradient, and its zeroing where the scatter-add is its first write; null when the table takes none. */
function tableGradient({ node }: OpNode<EmbeddingAttrs>, ctx: BackwardContext): { buffer: string; prepare: string[] } | null {
  const [ids, tableId] = node.inputs as [string, string];
  if (!ctx.needsGrad(tableId)) return null;
  const dTable = ctx.grad(tableId);
  const [vocabulary, dim] = ctx.node(tableId).shape as [number, number];
  if (ctx.assign(dTable) === "+=") return { buffer: dTable, prepare: [] };
  // the scatter-add alone writes the table's gradient: only the rows the last batch wrote need zeroing
  const prepare = ctx.gradientHasOneWriter(tableId)
    ? [
        `// zero the rows of ${dTable} the previous batch wrote (every other row is still zero), noting this batch's`,
        `zeroWrittenRows(${dTable}, ${dim}, ${ctx.value(ids, "train")}, ${perBatch(ctx.size(ids))});`,
      ]
    : [zeroFill(dTable, vocabulary * dim)];
  return { buffer: dTable, prepare };
}

function rowGather(op: OpNode<EmbeddingAttrs>, ctx: LoweringContext, mode: Mode): RowGather {
  const [ids, tableId] = op.node.inputs as [string, string];
  const [table, idValues] = [ctx.value(tableId, mode), ctx.value(ids, mode)];
  const dim = ctx.lastDim(op.node.id);
  return {
    table,
    name: `${table}[${idValues}]`,
    describe: (position) => `${table}[${idValues}[${position}], :]`,
    rowStart: (position) => `${idValues}[${position}] * ${dim}`,
    ids: idValues,
    width: dim,
    tableGradient: (backward) => tableGradient(op, backward),
  };
}
