import { describe, expect, it } from "vitest";
import { dense, input, lstm, sequential, sgd } from "typegrad/dsl";
import { liveModel } from "../support/live-model";

// Sequence data for a [T, F] input: nested examples of the wrong length or rank, or a flat array that
// is not a multiple of T·F, are refused before any work with the expected [T, F] and the first bad example.

const net = () => liveModel(sequential(input([3, 2]), lstm(2), dense(1)).compile({ loss: "meanSquaredError", optimizer: sgd() }));
const good = [
  [[1, 2], [3, 4], [5, 6]],
  [[0, 1], [1, 0], [0, 0]],
];

describe("sequence data", () => {
  it("names the first example with too few steps", () => {
    expect(() => net().predict([good[0]!, [[1, 2], [3, 4]]])).toThrow("x: each example must have shape [3, 2]; example 1 has 2 entries where 3 are expected");
  });

  it("names the step with the wrong number of features", () => {
    expect(() => net().predict([good[0]!, [[1, 2], [3], [5, 6]]])).toThrow("x: each example must have shape [3, 2]; example 1, at [1], has 1 entry where 2 are expected");
  });

  it("refuses a missing level of nesting (a rank-1 example) and an extra one", () => {
    expect(() => net().predict([[1, 2, 3]])).toThrow("x: each example must have shape [3, 2]; example 0, at [0], holds number where 2 entries are expected");
    expect(() => net().predict([[[[1], [2]], [3, 4], [5, 6]]])).toThrow("x: each example must have shape [3, 2]; example 0, at [0][0], holds an array where a number is expected");
  });

  it("takes an example given as its flat list of T·F numbers", () => {
    expect(net().predict([[1, 2, 3, 4, 5, 6]])).toHaveLength(1);
  });

  it("refuses a flat array that is not a multiple of T·F, naming the shape", () => {
    expect(() => net().predict(new Float32Array(9))).toThrow("x: 9 numbers is not a multiple of the 6 per example (shape [3, 2])");
  });

  it("refuses before any work: a fit on bad data leaves the weights as they were", () => {
    const m = net();
    const before = m.getWeights();
    expect(() => m.fit([...good, [[1, 2], [3, 4]]], [[1], [0], [1]], { verbose: 0 })).toThrow(/example 2 has 2 entries where 3 are expected/);
    expect(m.getWeights()).toEqual(before);
  });
});
