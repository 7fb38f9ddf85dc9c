import { expect, it } from "vitest";
import { SEED_TABLE } from "./embedding.model";
import { ENCODED, main } from "./main";

const result = main(() => {});

it("looks up the seed's table row by row: [0, 1, 2, 3, 4] gives rows 0 to 4", () => {
  ENCODED.forEach((ids, s) => {
    const expected = ids.flatMap((id) => SEED_TABLE[id]!.map((v) => Math.fround(v)));
    expect(result.vectors[s]).toEqual(expected);
  });
});

it("one SGD step scatter-adds every position's gradient into its row (ids 1, 2, 3 appear twice)", () => {
  // Mean squared error against zeros over 2 sentences x 5 positions x 2 numbers: d loss / d e = 2e / 20
  // at each position, so row r's gradient is count_r · T_r / 10 and the step (learning rate 0.5)
  // leaves T_r · (1 - 0.05 · count_r).
  const counts = [1, 2, 2, 2, 1, 1, 1];
  SEED_TABLE.forEach((row, id) =>
    row.forEach((v, d) => expect(Math.abs(result.stepped[2 * id + d]! - v * (1 - 0.05 * counts[id]!)), `row ${id}`).toBeLessThan(1e-6)),
  );
});

it("a learned embedding tells the two sentences apart, and survives save and load exactly", () => {
  expect(result.accuracy).toBe(1);
  expect(result.predictions[0]).toBeGreaterThan(0.9);
  expect(result.predictions[1]).toBeLessThan(0.1);
  expect(result.reloaded).toEqual(result.predictions);
});

it("refuses a token id outside the vocabulary, naming the example, the position and the range", () => {
  expect(result.refusal).toBe("x: token ids must be integers in [0, 7) (the embedding's inputDim is 7); example 0 holds 7 at position 4");
});
