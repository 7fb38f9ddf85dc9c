// Register-blocked matrix products C (=|+=) A · B over Float32Arrays, emitted as straight code.
// Sizes are literals except the batch, so every index is a literal or an offset plus a literal.
// The same emitter serves the forward product Y = X·W, the input gradient dX = dY·Wᵀ and the
// weight gradient dW = Xᵀ·dY: only the strides differ, so no transposed copy is ever made.

import { runtimeGemm } from "./runtime-gemm";

/** A strided view: element (row, col) is at buf[offset + row * rowStride + col * colStride]. */
export interface View {
  readonly buf: string;
  readonly rowStride: number;
  readonly colStride: number;
  /** Where element (0, 0) is, as code (a time step's slice of a buffer); 0 when absent. */
  readonly offset?: string;
}

/** The view's offset as an index term. */
const origin = (v: View): string | number => v.offset ?? 0;

/** A dimension: a literal size, or a run-time expression (the batch rows). */
export type Dim = number | string;

export interface Gemm {
  readonly a: View;
  readonly b: View;
  readonly c: View;
  /** Rows of C. */
  readonly m: Dim;
  /** Columns of C (always literal). */
  readonly n: number;
  /** The reduction length. */
  readonly k: Dim;
  /** The initial value of each accumulator (e.g. the bias of column `col`); "0" by default. */
  readonly init?: (col: string) => string;
  /** Writes one result; the default stores (or adds) into C. */
  readonly store?: (value: string, row: string, col: string, index: string) => string[];
  /** Add into C instead of overwriting it (a second gradient contribution). */
  readonly accumulate?: boolean;
  /** Loop variable prefix, to keep nested emitters apart. */
  readonly prefix?: string;
  /** Times the product runs per call of the kernel (a recurrent layer's per-step product: T); 1 by default. */
  readonly repeats?: number;
  /**
   * What init and store do, for the runtime's gemm to do it in its epilogue when the product goes to it
   * (a dense layer's bias and relu or linear activation); init and store still serve the inline loops.
   */
  readonly runtimeEpilogue?: { readonly bias: string | null; readonly activation: "linear" | "relu" };
}

const ROW_BLOCK = 4;
const COL_BLOCK = 4;
const UNROLL_REDUCTION_UP_TO = 4;
/** Products this small are written one row at a time, each output as one sum: z0 = x0 * w[0] + x1 * w[2]. */
const TINY = 8;

/** `expr * stride` as an index term: a number when both are literal, else code. */
function scaled(expr: string, stride: number): string | number {
  if (stride === 0) return 0;
  if (/^\d+$/.test(expr)) return Number(expr) * stride;
  const safe = /^[\w.]+$/.test(expr) ? expr : `(${expr})`;
  return stride === 1 ? expr : `${safe} * ${stride}`;
}

/** A sum of index terms with the literal parts folded: ["i * 8", 3, 0] -> "i * 8 + 3". */
export function sum(...terms: (string | number)[]): string {
  const literal = terms.reduce<number>((acc, t) => (typeof t === "number" ? acc + t : acc), 0);
  const symbolic = terms.filter((t): t is string => typeof t === "string");
  if (symbolic.length === 0) return String(literal);
  return literal === 0 ? symbolic.join(" + ") : `${symbolic.join(" + ")} + ${literal}`;
}

const add = (base: string, offset: number) => (offset === 0 ? base : /^\d+$/.test(base) ? String(Number(base) + offset) : `${base} + ${offset}`);

function defaultStore(g: Gemm): NonNullable<Gemm["store"]> {
  return (value, _row, _col, at) => [`${g.c.buf}[${at}] ${g.accumulate ? "+=" : "="} ${value};`];
}

/** One block of rows [row, row+rows) by columns [col, col+cols). */
function block(g: Gemm, row: string, rows: number, col: string, cols: number): string[] {
  const p = `${g.prefix ?? ""}p`;
  const acc = (r: number, c: number) => `s${r}${c}`;
  const init = g.init ?? (() => "0");
  const lines: string[] = [];
  // Row offsets into A and column offsets into B do not change along the reduction: hoist them.
  const aBase = Array.from({ length: rows }, (_, r) => hoist(lines, `ar${r}`, offsetBy(origin(g.a), scaled(add(row, r), g.a.rowStride))));
  const bBase = Array.from({ length: cols }, (_, c) => hoist(lines, `bc${c}`, offsetBy(origin(g.b), scaled(add(col, c), g.b.colStride))));
  for (let r = 0; r < rows; r++) lines.push(`let ${Array.from({ length: cols }, (_, c) => `${acc(r, c)} = ${init(add(col, c))}`).join(", ")};`);
  const body = (pv: string) => {
    const out: string[] = [];
    for (let r = 0; r < rows; r++) out.push(`const a${r} = ${g.a.buf}[${sum(aBase[r]!, scaled(pv, g.a.colStride))}];`);
    for (let c = 0; c < cols; c++) out.push(`const b${c} = ${g.b.buf}[${sum(scaled(pv, g.b.rowStride), bBase[c]!)}];`);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out.push(`${acc(r, c)} += a${r} * b${c};`);
    return out;
  };
  if (typeof g.k === "number" && g.k <= UNROLL_REDUCTION_UP_TO) {
    for (let k = 0; k < g.k; k++) lines.push("{", ...body(String(k)), "}");
  } else {
    lines.push(`for (let ${p} = 0; ${p} < ${g.k}; ${p}++) {`, ...body(p), "}");
  }
  const store = g.store ?? defaultStore(g);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const at = sum(origin(g.c), scaled(add(row, r), g.c.rowStride), scaled(add(col, c), g.c.colStride));
      lines.push(...store(acc(r, c), add(row, r), add(col, c), at));
    }
  }
  return lines;
}

/** base + term as an index term, literal when both are. */
function offsetBy(base: string | number, term: string | number): string | number {
  if (typeof base === "number" && typeof term === "number") return base + term;
  return sum(base, term);
}

/** A literal offset stays inline; a computed one becomes a const declared before the loop. */
function hoist(lines: string[], name: string, value: string | number): string | number {
  if (typeof value === "number") return value;
  lines.push(`const ${name} = ${value};`);
  return name;
}

/** Every column block for the rows starting at `row`. */
function columns(g: Gemm, row: string, rows: number): string[] {
  const j = `${g.prefix ?? ""}j`;
  const full = Math.floor(g.n / COL_BLOCK) * COL_BLOCK;
  const lines: string[] = [];
  if (full === COL_BLOCK) lines.push("{", ...block(g, row, rows, "0", COL_BLOCK), "}");
  else if (full > 0) lines.push(`for (let ${j} = 0; ${j} < ${full}; ${j} += ${COL_BLOCK}) {`, ...block(g, row, rows, j, COL_BLOCK), "}");
  if (g.n > full) lines.push("{", ...block(g, row, rows, String(full), g.n - full), "}");
  return lines;
}

/** One row at a time, every output written as a single sum of products; B is read once, before the loop. */
function tinyRows(g: Gemm & { k: number }): string[] {
  const i = `${g.prefix ?? ""}i`;
  const init = g.init ?? (() => "0");
  const store = g.store ?? defaultStore(g);
  const lines: string[] = [];
  // Each element of B gets a local named after its place in its buffer (dense_kernel_3 = dense_kernel[3]),
  // so one name means one weight throughout a generated file.
  const at = (p: number, c: number) => sum(origin(g.b), scaled(String(p), g.b.rowStride), scaled(String(c), g.b.colStride));
  const weight = (p: number, c: number) => `${g.b.buf}_${at(p, c)}`;
  for (let p = 0; p < g.k; p++) {
    const loads = Array.from({ length: g.n }, (_, c) => `${weight(p, c)} = ${g.b.buf}[${at(p, c)}]`);
    lines.push(`const ${loads.join(", ")};`);
  }
  lines.push(`for (let ${i} = 0; ${i} < ${g.m}; ${i}++) {`);
  const rowBase = hoist(lines, "ar", offsetBy(origin(g.a), scaled(i, g.a.rowStride)));
  const loads = Array.from({ length: g.k }, (_, p) => `a${p} = ${g.a.buf}[${sum(rowBase, scaled(String(p), g.a.colStride))}]`);
  lines.push(`const ${loads.join(", ")};`);
  for (let c = 0; c < g.n; c++) {
    const products = Array.from({ length: g.k }, (_, p) => `a${p} * ${weight(p, c)}`);
    const start = init(String(c));
    const value = [...(start === "0" ? [] : [start]), ...products].join(" + ");
    lines.push(...store(value, i, String(c), sum(origin(g.c), scaled(i, g.c.rowStride), scaled(String(c), g.c.colStride))));
  }
  return [...lines, "}"];
}

/** Emits C = A·B (or C += A·B) as loops over blocks of rows and columns. */
export function emitGemm(g: Gemm): string[] {
  const call = runtimeGemm(g);
  if (call) return call;
  const i = `${g.prefix ?? ""}i`;
  if (typeof g.k === "number" && g.k <= TINY && g.n <= TINY && typeof g.m === "string" && !g.b.offset) return tinyRows(g as Gemm & { k: number });
  if (typeof g.m === "number") {
    const full = Math.floor(g.m / ROW_BLOCK) * ROW_BLOCK;
    const lines: string[] = [];
    if (full > 0) lines.push(`for (let ${i} = 0; ${i} < ${full}; ${i} += ${ROW_BLOCK}) {`, ...columns(g, i, ROW_BLOCK), "}");
    if (g.m > full) lines.push("{", ...columns(g, String(full), g.m - full), "}");
    return lines;
  }
  return [
    `let ${i} = 0;`,
    `for (; ${i} + ${ROW_BLOCK} <= ${g.m}; ${i} += ${ROW_BLOCK}) {`,
    ...columns(g, i, ROW_BLOCK),
    "}",
    `for (; ${i} < ${g.m}; ${i}++) {`,
    ...columns(g, i, 1),
    "}",
  ];
}
