import { describe, expect, it } from "vitest";
import { dense, input, sequential } from "typegrad/dsl";
import { liveModel } from "../support/live-model";

// A bag-of-words input given as compressed sparse rows: fit, evaluate and predict accept CSR data or
// dense rows (converted), and both train identically.

const VOCABULARY = 50;

/** Documents of 3 words; the label is whether word 0..9 (the "topic" words) appears. */
function documents(count: number): { dense: number[][]; csr: { indptr: number[]; indices: number[]; values: number[] }; labels: number[][] } {
  const dense: number[][] = [];
  const csr = { indptr: [0], indices: [] as number[], values: [] as number[] };
  const labels: number[][] = [];
  for (let d = 0; d < count; d++) {
    const words = [...new Set([(d * 7) % VOCABULARY, (d * 13 + 5) % VOCABULARY, (d * 29 + 11) % VOCABULARY])].sort((a, b) => a - b);
    const row = new Array<number>(VOCABULARY).fill(0);
    for (const w of words) (row[w] = 1), csr.indices.push(w), csr.values.push(1);
    csr.indptr.push(csr.indices.length);
    dense.push(row);
    labels.push([words.some((w) => w < 10) ? 1 : 0]);
  }
  return { dense, csr, labels };
}

const net = () =>
  liveModel(
    sequential(input([VOCABULARY], { sparse: true }), dense(16, "relu"), dense(1, "sigmoid")).compile({
      loss: "binaryCrossentropy",
      optimizer: "adam",
      metrics: ["accuracy"],
      seed: 3,
    }),
  );

describe("sparse inputs", () => {
  it("train to the same weights from CSR rows and from dense rows", () => {
    const data = documents(120);
    const fromCsr = net();
    const fromDense = net();
    const history = fromCsr.fit(data.csr, data.labels, { epochs: 40, batchSize: 16, verbose: 0 });
    fromDense.fit(data.dense, data.labels, { epochs: 40, batchSize: 16, verbose: 0 });
    expect(fromCsr.getWeights()).toEqual(fromDense.getWeights());
    expect(history.accuracy!.at(-1)!).toBeGreaterThan(0.95);
    expect(fromCsr.predict(data.csr)).toEqual(fromDense.predict(data.dense));
  });

  it("hold out the last rows with validationSplit: val_loss is the loss on those rows, every one of them", () => {
    const data = documents(100);
    const model = net();
    const history = model.fit(data.csr, data.labels, { epochs: 2, validationSplit: 0.2, verbose: 0 });
    expect(history.params.samples).toBe(80);
    expect(history.val_loss).toHaveLength(2);
    // The same 20 rows given densely, measured after the last epoch.
    const [loss, accuracy] = model.evaluate(data.dense.slice(80), data.labels.slice(80)) as number[];
    expect(history.val_loss!.at(-1)).toBeCloseTo(loss!, 6);
    expect(history.val_accuracy!.at(-1)).toBe(accuracy);
    // Without the last row the loss differs: the comparison sees one row.
    const [withoutLast] = model.evaluate(data.dense.slice(80, 99), data.labels.slice(80, 99)) as number[];
    expect(Math.abs(withoutLast! - loss!)).toBeGreaterThan(1e-4);
  });

  it("refuse malformed compressed sparse rows with the reason", () => {
    const model = net();
    const bad = (csr: object) => () => model.predict(csr as never);
    expect(bad({ indptr: [0, 2], indices: [3, 99], values: [1, 1] })).toThrow(/column index 99 at 1 is outside \[0, 50\)/);
    expect(bad({ indptr: [0, 2, 1], indices: [3, 4], values: [1, 1] })).toThrow(/indptr must not decrease/);
    expect(bad({ indptr: [0, 3], indices: [3, 4], values: [1, 1] })).toThrow(/must agree on the number of non-zeros/);
    expect(bad({ indptr: [0, 1], indices: [3], values: [NaN] })).toThrow(/NaN or infinite/);
  });
});
