// The LSTM's and GRU's gate functions in plain JavaScript, for hosts without WebAssembly SIMD and for a width
// that is not a multiple of the vector's 4 floats: σ in float64 (Math.exp), tanh as rationalTanh.

import { rationalTanh } from "./rational-tanh";

/** In place on rows of 4·units floats from offset, gates i, f, c, o: σ on i, f and o, tanh on c. */
export type LstmGates = (values: Float32Array, offset: number, rows: number, units: number) => void;

export const jsLstmGates: LstmGates = (values, offset, rows, units) => {
  for (let r = 0; r < rows; r++) {
    const row = offset + r * 4 * units;
    for (let j = 0; j < 2 * units; j++) values[row + j] = 1 / (1 + Math.exp(-values[row + j]!));
    for (let j = 2 * units; j < 3 * units; j++) values[row + j] = rationalTanh(values[row + j]!);
    for (let j = 3 * units; j < 4 * units; j++) values[row + j] = 1 / (1 + Math.exp(-values[row + j]!));
  }
};

/** In place on rows of 3·units floats from offset, gates z, r, h: σ on z and r; h is left as it is. */
export type GruGates = (values: Float32Array, offset: number, rows: number, units: number) => void;

export const jsGruGates: GruGates = (values, offset, rows, units) => {
  for (let r = 0; r < rows; r++) {
    const row = offset + r * 3 * units;
    for (let j = 0; j < 2 * units; j++) values[row + j] = 1 / (1 + Math.exp(-values[row + j]!));
  }
};
