// Keras' model.summary() table: Layer (type), Output Shape, Param #, and the totals.

import type { GraphIR, IRLayer } from "./ir";
import { product } from "./shapes";

const WIDTHS = [29, 26, 11];
const RULE = 65;

/** Python's tuple notation, as Keras prints shapes: (None, 256), (3,). */
const tuple = (dims: readonly (number | string)[]) => (dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`);

function outputShapeText(layer: IRLayer): string {
  const shapes = layer.outputShapes;
  if (shapes.length === 0) return "";
  const dims = shapes[0]!;
  if (!shapes.every((s) => s.join() === dims.join())) return "multiple";
  return layer.type === "Weight" ? tuple(dims) : tuple(["None", ...dims]);
}

/** Splits text into pieces no wider than `width`, at spaces where possible. */
function wrap(text: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const space = rest.lastIndexOf(" ", width);
    const cut = space > 0 ? space : width;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  return [...pieces, rest];
}

/** A table row; a cell wider than its column continues on the following lines. */
function row(cells: string[]): string {
  const wrapped = cells.map((c, i) => wrap(c, WIDTHS[i]! - 1));
  const height = Math.max(...wrapped.map((w) => w.length));
  const lines = Array.from({ length: height }, (_, line) => ` ${wrapped.map((w, i) => (w[line] ?? "").padEnd(WIDTHS[i]!)).join(" ")}`.trimEnd());
  return lines.join("\n");
}

const thousands = (n: number) => n.toLocaleString("en-US");

export function summaryText(ir: GraphIR): string {
  const sizes = new Map(ir.params.map((p) => [p.name, product(p.shape)]));
  const count = (names: readonly string[]) => names.reduce((sum, n) => sum + sizes.get(n)!, 0);
  const showInputs = ir.inputs.length > 1 || ir.name !== "sequential";
  const rows = ir.layers.filter((l) => l.type !== "InputLayer" || showInputs);
  const lines = [
    `Model: "${ir.name}"`,
    "_".repeat(RULE),
    row(["Layer (type)", "Output Shape", "Param #"]),
    "=".repeat(RULE),
  ];
  rows.forEach((layer, i) => {
    lines.push(row([`${layer.name} (${layer.type})`, outputShapeText(layer), String(count(layer.params))]));
    lines.push(i === rows.length - 1 ? "=".repeat(RULE) : "");
  });
  const total = count(ir.params.map((p) => p.name));
  const trainable = count(ir.params.filter((p) => p.trainable).map((p) => p.name));
  lines.push(`Total params: ${thousands(total)}`);
  lines.push(`Trainable params: ${thousands(trainable)}`);
  lines.push(`Non-trainable params: ${thousands(total - trainable)}`);
  lines.push("_".repeat(RULE));
  return lines.join("\n");
}
