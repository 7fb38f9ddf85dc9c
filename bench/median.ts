// The median the benchmarks report: the middle value of the sorted figures (the upper middle of an
// even count), NaN for none.

export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
