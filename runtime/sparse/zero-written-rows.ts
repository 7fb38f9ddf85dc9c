// Zeroing an embedding's table gradient before its scatter-add, called by generated code. A batch
// names a few thousand of a vocabulary's ids, so instead of zeroing the whole table's gradient, only
// the rows the previous call named are zeroed (every other row is still zero), and this call's are
// noted for the next. The gradient is then the same, bit for bit, as after zeroing it whole,
// provided nothing else writes it (the generated code calls this only where the scatter-add is the
// gradient's one writer).

import { touchedRowsOf } from "./sparse-product";
import { zeroRowsById } from "./step-major-rows";

/** Zeroes the rows of `grad` (rows of `width` floats) the previous call named, and notes ids[0..count). Allocates nothing after its first call. */
export function zeroWrittenRows(grad: Float32Array, width: number, ids: Int32Array, count: number): void {
  const touched = touchedRowsOf(grad, width);
  touched.begin();
  touched.clearPrevious(grad, width, zeroRowsById);
  for (let r = 0; r < count; r++) touched.first(ids[r]!);
}
