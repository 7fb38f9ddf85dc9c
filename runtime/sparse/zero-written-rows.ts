// Zeroing an embedding's table gradient before its scatter-add, called by generated code. A batch
// names a few thousand of a vocabulary's ids, so instead of zeroing the whole table's gradient, only
// the rows the previous call named are zeroed (every other row is still zero), and this call's ids are
// kept for the next: a copy of the list, repeats and all (a row named twice is zeroed twice, which
// costs less than finding the repeats). The gradient is then the same, bit for bit, as after zeroing
// it whole, provided nothing else writes it (the generated code calls this only where the scatter-add
// is the gradient's one writer).

import { ROW_FILL_OVERHEAD_FLOATS } from "./touched-rows";
import { zeroRowsById } from "./step-major-rows";

/** The ids a gradient's previous call named; count -1 before its first call, when what the gradient holds is unknown. */
interface PreviousIds {
  ids: Int32Array;
  count: number;
}

const previousByGradient = new WeakMap<Float32Array, PreviousIds>();

/** Zeroes the rows of `grad` (rows of `width` floats) the previous call named, and keeps ids[0..count) for the next. Allocates nothing once a call has kept `count` ids. */
export function zeroWrittenRows(grad: Float32Array, width: number, ids: Int32Array, count: number): void {
  let previous = previousByGradient.get(grad);
  if (!previous) previousByGradient.set(grad, (previous = { ids: new Int32Array(count), count: -1 }));
  // a memset beats zeroing row by row where the rows are a large part of the table
  if (previous.count < 0 || previous.count * (width + ROW_FILL_OVERHEAD_FLOATS) >= grad.length) grad.fill(0);
  else zeroRowsById(grad, width, previous.ids, previous.count);
  if (previous.ids.length < count) previous.ids = new Int32Array(count);
  const kept = previous.ids;
  for (let r = 0; r < count; r++) kept[r] = ids[r]!;
  previous.count = count;
}
