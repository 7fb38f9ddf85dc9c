// The NNLM's advantage the chapter names: words used alike get nearby vectors, so what is learned of
// one word carries over to its neighbours. Nearest words by the cosine of their embedding rows.

/** The `count` ids whose rows of `table` ([rows, dim], row-major) have the highest cosine with row `id`, best first. */
export function nearest(table: Float32Array, dim: number, id: number, count: number, skip: (id: number) => boolean = () => false): { id: number; cosine: number }[] {
  const rows = table.length / dim;
  const norm = (r: number) => Math.sqrt(dot(table, dim, r, r));
  const own = norm(id);
  const scored: { id: number; cosine: number }[] = [];
  for (let r = 0; r < rows; r++) {
    if (r === id || skip(r)) continue;
    scored.push({ id: r, cosine: dot(table, dim, id, r) / (own * norm(r) || 1) });
  }
  return scored.sort((a, b) => b.cosine - a.cosine).slice(0, count);
}

function dot(table: Float32Array, dim: number, a: number, b: number): number {
  let total = 0;
  for (let j = 0; j < dim; j++) total += table[a * dim + j]! * table[b * dim + j]!;
  return total;
}
