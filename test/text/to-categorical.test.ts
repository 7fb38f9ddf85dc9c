import { describe, expect, it } from "vitest";
import { toCategorical } from "typegrad/text";

describe("toCategorical", () => {
  it("one-hot rows, float32, numClasses defaulting to the largest label + 1 (as Keras)", () => {
    expect(toCategorical([0, 2, 1])).toEqual(new Float32Array([1, 0, 0, 0, 0, 1, 0, 1, 0]));
    expect(toCategorical(Int32Array.of(1), 4)).toEqual(new Float32Array([0, 1, 0, 0]));
    expect(toCategorical([])).toEqual(new Float32Array(0));
  });

  it("refuses labels outside the classes, negative or fractional labels, a bad numClasses", () => {
    expect(() => toCategorical([0, 3], 3)).toThrow(/toCategorical: label 1 is 3, outside the 3 classes \[0, 3\)/);
    expect(() => toCategorical([-1])).toThrow(/label 0 is a number \(-1\); expected a non-negative integer class/);
    expect(() => toCategorical([1.5])).toThrow(/label 0 is a number \(1.5\)/);
    expect(() => toCategorical([0], 0)).toThrow(/numClasses must be an integer of at least 1/);
    expect(() => toCategorical("01" as never)).toThrow(/expected an array of integer class labels/);
  });
});
