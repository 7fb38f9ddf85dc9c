// gemm in plain JavaScript, for hosts without WebAssembly SIMD: 4×4 tiles of C summed in float64
// registers (JS numbers) straight from the operands, each element rounded to float32 once, when stored.
// Element (i, p) of op(A) is a[i·aRow + p·aK] and element (p, j) of op(B) is b[p·bK + j·bCol].

/** A dense layer's activation applied by gemm's epilogue. */
export type EpilogueActivation = "linear" | "relu";

/**
 * C = op(A)·op(B), or C += op(A)·op(B) when accumulate, each operand from its offset (0 by default);
 * then, given a bias (n floats) or relu, C[i, j] = act(C[i, j] + bias[j]) (see gemm.ts).
 */
export type Gemm = (
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  transA: boolean,
  b: Float32Array,
  transB: boolean,
  c: Float32Array,
  accumulate: boolean,
  aOffset?: number,
  bOffset?: number,
  cOffset?: number,
  bias?: Float32Array | null,
  activation?: EpilogueActivation,
) => void;

/** C[i, j] = act(C[i, j] + bias[j]) over C's m rows of n from cOffset: the epilogue in JavaScript (the SIMD module's does the same per float32). */
export function jsEpilogue(c: Float32Array, cOffset: number, m: number, n: number, bias: Float32Array | null, activation: EpilogueActivation): void {
  const relu = activation === "relu";
  for (let i = 0; i < m; i++) {
    const o = cOffset + i * n;
    for (let j = 0; j < n; j++) {
      const z = bias ? Math.fround(c[o + j]! + bias[j]!) : c[o + j]!;
      c[o + j] = relu ? (z > 0 ? z : 0) : z;
    }
  }
}

const TILE = 4;

export const jsGemm: Gemm = (m, n, k, a, transA, b, transB, c, accumulate, aOffset = 0, bOffset = 0, cOffset = 0, bias = null, activation = "linear") => {
  jsProduct(m, n, k, a, transA, b, transB, c, accumulate, aOffset, bOffset, cOffset);
  if (bias || activation !== "linear") jsEpilogue(c, cOffset, m, n, bias, activation);
};

const jsProduct: Gemm = (m, n, k, a, transA, b, transB, c, accumulate, aOffset = 0, bOffset = 0, cOffset = 0) => {
  const aRow = transA ? 1 : k, aK = transA ? m : 1;
  const bK = transB ? 1 : n, bCol = transB ? k : 1;
  const fullRows = m - (m % TILE);
  const fullCols = n - (n % TILE);
  for (let i = 0; i < fullRows; i += TILE) {
    for (let j = 0; j < fullCols; j += TILE) tile(i, j, n, k, a, aRow, aK, b, bK, bCol, c, accumulate, aOffset, bOffset, cOffset);
    for (let r = i; r < i + TILE; r++) for (let j = fullCols; j < n; j++) single(r, j, n, k, a, aRow, aK, b, bK, bCol, c, accumulate, aOffset, bOffset, cOffset);
  }
  for (let i = fullRows; i < m; i++) for (let j = 0; j < n; j++) single(i, j, n, k, a, aRow, aK, b, bK, bCol, c, accumulate, aOffset, bOffset, cOffset);
};

function tile(
  i: number,
  j: number,
  n: number,
  k: number,
  a: Float32Array,
  aRow: number,
  aK: number,
  b: Float32Array,
  bK: number,
  bCol: number,
  c: Float32Array,
  accumulate: boolean,
  aOffset: number,
  bOffset: number,
  cOffset: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0, ai = aOffset + i * aRow, bj = bOffset + j * bCol; p < k; p++, ai += aK, bj += bK) {
    const a0 = a[ai], a1 = a[ai + aRow], a2 = a[ai + 2 * aRow], a3 = a[ai + 3 * aRow];
    const b0 = b[bj], b1 = b[bj + bCol], b2 = b[bj + 2 * bCol], b3 = b[bj + 3 * bCol];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  storeFour(c, cOffset + i * n + j, accumulate, c00, c01, c02, c03);
  storeFour(c, cOffset + (i + 1) * n + j, accumulate, c10, c11, c12, c13);
  storeFour(c, cOffset + (i + 2) * n + j, accumulate, c20, c21, c22, c23);
  storeFour(c, cOffset + (i + 3) * n + j, accumulate, c30, c31, c32, c33);
}

function storeFour(c: Float32Array, at: number, accumulate: boolean, x0: number, x1: number, x2: number, x3: number): void {
  c[at] = accumulate ? c[at] + x0 : x0;
  c[at + 1] = accumulate ? c[at + 1] + x1 : x1;
  c[at + 2] = accumulate ? c[at + 2] + x2 : x2;
  c[at + 3] = accumulate ? c[at + 3] + x3 : x3;
}

function single(
  i: number,
  j: number,
  n: number,
  k: number,
  a: Float32Array,
  aRow: number,
  aK: number,
  b: Float32Array,
  bK: number,
  bCol: number,
  c: Float32Array,
  accumulate: boolean,
  aOffset: number,
  bOffset: number,
  cOffset: number,
): void {
  let sum = 0;
  for (let p = 0, ai = aOffset + i * aRow, bj = bOffset + j * bCol; p < k; p++, ai += aK, bj += bK) sum += a[ai] * b[bj];
  const at = cOffset + i * n + j;
  c[at] = accumulate ? c[at] + sum : sum;
}
