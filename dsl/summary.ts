// Keras' model.summary() table: Layer (type), Output Shape, Param #, and the totals.

import type { GraphIR, IRLayer } from "./ir";

const WIDTHS = [29, 26, 11];
const RULE = 65;

function outputShapeText(layer: IRLayer): string {
  const shapes = layer.outputShapes;
  if (shapes.length !== 1) return shapes.length === 0 ? "" : "multiple";
  const dims = shapes[0]!;
  if (layer.type === "Weight") return `(${dims.join(", ")})`;
  return dims.length === 0 ? "(None,)" : `(None, ${dims.join(", ")})`;
}

function row(cells: string[]): string {
  return ` ${cells.map((c, i) => c.padEnd(WIDTHS[i]!)).join(" ")}`.trimEnd();
}

const thousands = (n: number) => n.toLocaleString("en-US");

export function summaryText(ir: GraphIR): string {
  const sizes = new Map(ir.params.map((p) => [p.name, p.shape.reduce((a, b) => a * b, 1)]));
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
