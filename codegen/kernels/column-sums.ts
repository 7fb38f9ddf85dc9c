// A bias gradient: db[j] (=|+=) Σ over rows of dy[r, j]. Each column is summed in float64 from row 0
// down, then stored. Wide rows take four columns per pass down the rows: four times fewer passes,
// each reading 16 consecutive bytes of a row, the same sums in the same order (so the same bits).
// Wider rows still call the runtime's sumColumns (WebAssembly SIMD), again the same sums in that order.

import { runtimeColumnSums, usesRuntimeRows } from "./runtime-rows";

/** Rows of at least this many columns are summed four columns at a time. */
export const BLOCKED_COLUMN_SUMS_MIN_WIDTH = 64;

/** `offset`: the sums go to db[offset + j] (a gru's bias, whose second row takes the recurrent part), summed inline whatever the width. */
export function columnSums(db: string, op: string, dy: string, rows: string, width: number, offset = 0): string[] {
  if (usesRuntimeRows(width) && offset === 0) return runtimeColumnSums(db, op, dy, rows, width);
  const at = (j: string) => (offset ? `${offset} + ${j}` : j);
  const comment = `// ${db}${offset ? `[${offset}:]` : ""} ${op} Σ over rows of ${dy}`;
  const single = (from: string) => [
    `for (let j = ${from}; j < ${width}; j++) {`,
    `let total = 0;`,
    `for (let r = 0; r < ${rows}; r++) total += ${dy}[r * ${width} + j];`,
    `${db}[${at("j")}] ${op} total;`,
    `}`,
  ];
  if (width < BLOCKED_COLUMN_SUMS_MIN_WIDTH) return [comment, ...single("0")];
  const blocked = width - (width % 4);
  const lanes = [0, 1, 2, 3];
  return [
    comment,
    `for (let j = 0; j < ${blocked}; j += 4) {`,
    `let total0 = 0, total1 = 0, total2 = 0, total3 = 0;`,
    `for (let r = 0; r < ${rows}; r++) {`,
    `const o = r * ${width} + j;`,
    ...lanes.map((l) => `total${l} += ${dy}[o + ${l}];`),
    `}`,
    ...lanes.map((l) => `${db}[${at(`j + ${l}`)}] ${op} total${l};`),
    `}`,
    ...(blocked < width ? single(String(blocked)) : []),
  ];
}
