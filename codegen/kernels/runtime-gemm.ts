// Products go to the runtime's gemm (WebAssembly SIMD): one call, then the fused epilogue (bias,
// activation, dropout) as a loop over C. Small products stay inline, where a call and the packing of
// operands would cost more than they save. Measured (bench/gemm.ts's neighbour, CPU time, forward
// X·W): gemm beats the inline loops (about 3 GFLOP/s) from 1,024 multiply-adds per example at a
// batch of 4 or more (2.6x at 4×32×32, 6.5x at 32×32×32, 4.3x at the 10-unit layer 32×10×128), and
// is even with them at a batch of 1 (0.9x at 1×32×32, 1.4x at 1×64×64); below that it loses.

import type { Dim, Gemm, View } from "./gemm";

/** Multiply-adds per example (the product of the literal dimensions, a sequence's steps included, a per-step product's repeats too) from which a product goes to gemm. */
export const RUNTIME_GEMM_MIN_WORK = 1024;

/** "N" for a row-major view of rows × cols, "T" for its transpose, null for any other layout. */
function layout(v: View, cols: Dim, rows: Dim): "N" | "T" | null {
  if (v.colStride === 1 && v.rowStride === cols) return "N";
  if (v.rowStride === 1 && v.colStride === rows) return "T";
  return null;
}

/** A dimension's literal factor: the number itself, or N of `batch * N` (all steps of a sequence). */
function literalFactor(d: Dim): number {
  if (typeof d === "number") return d;
  const factor = /^batch \* (\d+)$/.exec(d);
  return factor ? Number(factor[1]) : 1;
}

function literalWork(g: Gemm): number {
  return [g.m, g.n, g.k].map(literalFactor).reduce((a, b) => a * b, g.repeats ?? 1);
}

/** The gemm call and its epilogue, or null when the product is small or not in a layout gemm takes. */
export function runtimeGemm(g: Gemm): string[] | null {
  if (literalWork(g) < RUNTIME_GEMM_MIN_WORK) return null;
  const a = layout(g.a, g.k, g.m);
  const b = layout(g.b, g.n, g.k);
  if (!a || !b || layout(g.c, g.n, g.m) !== "N") return null;
  const epilogue = g.init !== undefined || g.store !== undefined;
  if (epilogue && (g.accumulate || g.c.offset)) return null;
  // A view into the middle of an array (a time step's slice of a tape) passes its offsets.
  const offsets = g.a.offset || g.b.offset || g.c.offset ? `, ${g.a.offset ?? 0}, ${g.b.offset ?? 0}, ${g.c.offset ?? 0}` : "";
  const call = (tail: string) => `gemm(${g.m}, ${g.n}, ${g.k}, ${g.a.buf}, ${a === "T"}, ${g.b.buf}, ${b === "T"}, ${g.c.buf}, ${g.accumulate === true}${tail});`;
  const inModule = g.runtimeEpilogue;
  if (epilogue && inModule) {
    const sum = inModule.bias ? `the product + ${inModule.bias}` : "the product";
    const what = inModule.activation === "relu" ? `relu(${sum})` : sum;
    return [`// ${g.c.buf} = ${what}: gemm's epilogue, before C leaves its WebAssembly memory`, call(`, 0, 0, 0, ${inModule.bias ?? "null"}, "${inModule.activation}"`)];
  }
  return epilogue ? [call(offsets), ...epilogueLoop(g)] : [call(offsets)];
}

/** C[i, j] = store(C[i, j] + init(j)) for every element, after the product. */
function epilogueLoop(g: Gemm): string[] {
  const [i, j, o] = ["i", "j", "o"].map((v) => `${g.prefix ?? ""}${v}`) as [string, string, string];
  const at = `${o} + ${j}`;
  const start = g.init?.(j);
  const value = `${g.c.buf}[${at}]${start !== undefined && start !== "0" ? ` + ${start}` : ""}`;
  const store = g.store ?? ((v: string) => [`${g.c.buf}[${at}] = ${v};`]);
  return [
    `for (let ${i} = 0; ${i} < ${g.m}; ${i}++) {`,
    `const ${o} = ${i} * ${g.n};`,
    `for (let ${j} = 0; ${j} < ${g.n}; ${j}++) {`,
    ...store(value, i, j, at),
    "}",
    "}",
  ];
}
