import { describe, expect, it } from "vitest";
import { concatenate, dense, embedding, flatten, input, model, reshape, sequential, sgd } from "typegrad/dsl";
import { liveModel } from "../support/live-model";

// An int32 input feeding an embedding takes token ids in [0, inputDim): fit, evaluate and predict
// refuse anything else before any work, naming the example, the position and the range.

const net = () =>
  liveModel(sequential(input([4], { dtype: "int32" }), embedding(10, 3), flatten(), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy", optimizer: sgd() }));

const good = [
  [1, 2, 3, 4],
  [9, 0, 0, 5],
];
const range = "token ids must be integers in [0, 10) (the embedding's inputDim is 10)";

describe("token ids", () => {
  it("refuses an id at or past inputDim, naming example and position, in fit, evaluate and predict", () => {
    const m = net();
    const bad = [good[0]!, [9, 0, 10, 5]];
    expect(() => m.fit(bad, [[1], [0]], { verbose: 0 })).toThrow(`x: ${range}; example 1 holds 10 at position 2`);
    expect(() => m.evaluate(bad, [[1], [0]])).toThrow(`x: ${range}; example 1 holds 10 at position 2`);
    expect(() => m.predict(bad)).toThrow(`x: ${range}; example 1 holds 10 at position 2`);
  });

  it("refuses negative and non-integer ids, and float data given for ids", () => {
    const m = net();
    expect(() => m.predict([[1, -1, 0, 0]])).toThrow(`x: ${range}; example 0 holds -1 at position 1`);
    expect(() => m.predict([[1, 2, 3, 2.5]])).toThrow(`x: ${range}; example 0 holds 2.5 at position 3`);
    expect(() => m.predict(Float32Array.from([0.5, 1, 2, 3]))).toThrow(`x: ${range}; example 0 holds 0.5 at position 0`);
  });

  it("refuses before any work: the weights are untouched by a fit that fails on its last example", () => {
    const m = net();
    const before = m.getWeights();
    expect(() => m.fit([...good, [1, 1, 1, 99]], [[1], [0], [1]], { verbose: 0 })).toThrow(/example 2 holds 99 at position 3/);
    expect(m.getWeights()).toEqual(before);
  });

  it("checks validationData too", () => {
    const m = net();
    expect(() => m.fit(good, [[1], [0]], { verbose: 0, validationData: [[[0, 0, 0, 12]], [[1]]] })).toThrow(`validationData x: ${range}; example 0 holds 12 at position 3`);
  });

  it("takes the smallest inputDim when one input feeds two embeddings, also through a reshape", () => {
    const ids = input([2, 2], { dtype: "int32" });
    const flat = reshape(ids, [4]);
    const out = dense(1)(concatenate(flatten()(embedding(8, 2)(flat)), flatten()(embedding(6, 2)(ids))));
    const m = liveModel(model({ inputs: ids, outputs: out }).compile({ loss: "meanSquaredError" }));
    expect(m.predict([[[5, 5], [5, 5]]])).toHaveLength(1);
    expect(() => m.predict([[[5, 5], [6, 5]]])).toThrow("x: token ids must be integers in [0, 6) (the embedding's inputDim is 6); example 0 holds 6 at position 2");
  });

  it("trains on good ids", () => {
    const m = net();
    const history = m.fit(good, [[1], [0]], { epochs: 3, verbose: 0 });
    expect(history.loss).toHaveLength(3);
  });
});
