// Views of the first floats of arrays longer than what a kernel call reads (buffers sized for the
// largest batch): made once per array and kept, since the same arrays come back call after call, so
// a copy into the module's memory is one TypedArray.set with no allocation. Each kernel keeps its own
// PrefixViews, so that two kernels reading different lengths of one array do not evict each other.

export class PrefixViews {
  private readonly kept = new WeakMap<Float32Array, Float32Array>();
  private readonly keptAt = new WeakMap<Float32Array, Map<number, Float32Array>>();

  /** A kept view of count floats from offset: a recurrent kernel reads one time step's slice of a tape, the same slices step after step. */
  at(source: Float32Array, offset: number, count: number): Float32Array {
    if (offset === 0) return this.of(source, count);
    let views = this.keptAt.get(source);
    if (!views) this.keptAt.set(source, (views = new Map()));
    const kept = views.get(offset);
    if (kept && kept.length === count) return kept;
    const made = source.subarray(offset, offset + count);
    views.set(offset, made);
    return made;
  }

  /** source itself when it holds exactly count floats, else a kept view of its first count. */
  of(source: Float32Array, count: number): Float32Array {
    if (source.length === count) return source;
    const kept = this.kept.get(source);
    if (kept && kept.length === count) return kept;
    const made = source.subarray(0, count);
    this.kept.set(source, made);
    return made;
  }
}
