// The register tile shared by the micro-kernel, the B packing and the scratch layout.

/** Rows of C per micro-kernel call: one splatted A scalar each. */
export const MR = 4;
/** Columns of C per micro-kernel call: the width of a packed B panel, two f32x4 vectors. */
export const NR = 8;

export const FLOAT_BYTES = 4;
export const VECTOR_BYTES = 16;
export const VECTORS_PER_ROW = NR / 4;
export const PANEL_ROW_BYTES = NR * FLOAT_BYTES;

/** Where edge tiles are computed before their valid part is copied to C. */
export const TILE_ADDRESS = 0;
export const TILE_BYTES = MR * PANEL_ROW_BYTES;
