import { describe, expect, it } from "vitest";
import { bidirectional, dense, embedding, gru, input, lstm, sequential, sgd, simpleRNN } from "typegrad/dsl";
import { forward, lossValue } from "../../codegen/interpreter";
import { liveModel } from "../support/live-model";

// Masks by their defining properties, through the generated kernels and the runtime (and the
// reference interpreter for the loss formula).
//
// 1. Pre-padding changes nothing (Keras' reason for padSequences' default): with embedding maskZero,
//    the padded steps come first and carry the zero initial state over, so a padded sequence gives
//    the same prediction as the same tokens unpadded, in a model built for the shorter length with
//    the same weights.
// 2. The loss and the metrics of a per-step output leave padded steps out. Keras 3's
//    reduce_weighted_values with apply_mask (keras/src/losses/loss.py): a padded entry weighs 0 and
//    each other total / valid, then sum_over_batch_size divides by total: the mean over the unpadded
//    steps of the whole batch. MeanMetricWrapper takes the mask as the sample weight: the mean over
//    the unpadded steps. evaluate() averages the batch losses weighted by batch size (the loss
//    tracker's sample_weight), the metrics over every unpadded step seen.

const VOCABULARY = 9;

/** [tokens] pre-padded with zeros to `steps`. */
const prePad = (tokens: readonly number[], steps: number) => [...new Array<number>(steps - tokens.length).fill(0), ...tokens];

describe("pre-padded sequences give what the unpadded ones give", () => {
  // Each unpadded model is built for its example's length and given the padded model's weights (their shapes do not depend on T).
  const sentiment = (steps: number) =>
    liveModel(
      sequential(
        input([steps], { dtype: "int32" }),
        embedding(VOCABULARY, 4, { maskZero: true }),
        simpleRNN(4, { returnSequences: true }),
        gru(3, { returnSequences: true, resetAfter: false }),
        gru(3, { returnSequences: true }),
        lstm(3, { goBackwards: true }),
        dense(1, "sigmoid"),
      ).compile({ loss: "binaryCrossentropy", optimizer: sgd() }),
      { seed: 5 },
    );

  it("stacked simpleRNN, gru (both forms), goBackwards lstm, last state: each example's prediction and loss equal its unpadded one's, whatever its length", () => {
    const examples = [[3, 1, 4, 1], [5, 8], [2, 7, 1, 8, 2, 8], [6]];
    const labels = [[1], [0], [1], [0]];
    const padded = sentiment(6);
    const predictions = padded.predict(examples.map((e) => prePad(e, 6)));
    const loss = padded.evaluate(examples.map((e) => prePad(e, 6)), labels) as number;
    let lossSum = 0;
    examples.forEach((tokens, b) => {
      const unpadded = sentiment(tokens.length);
      unpadded.setWeights(padded.getWeights());
      expect(predictions[b], `example ${b} (${tokens.length} tokens)`).toEqual(unpadded.predict([tokens])[0]);
      lossSum += unpadded.evaluate([tokens], [labels[b]!]) as number;
    });
    // One output per example, no mask on it: the batch mean of the examples' losses.
    expect(loss).toBeCloseTo(lossSum / examples.length, 6);
    // Not trivially equal: the examples differ, and padding that were not skipped would change the state.
    expect(new Set(predictions.map((p) => p[0])).size).toBe(examples.length);
  });

  const tagger = (steps: number) =>
    liveModel(
      sequential(
        input([steps], { dtype: "int32" }),
        embedding(VOCABULARY, 3, { maskZero: true }),
        bidirectional(lstm(3, { returnSequences: true })),
        dense(4, "softmax"),
      ).compile({ loss: "sparseCategoricalCrossentropy", optimizer: sgd(), metrics: ["accuracy"] }),
      { seed: 9 },
    );

  it("per-step tagger (bidirectional lstm every step): token steps predict as unpadded, padded steps as the dense layer's bias alone, and the loss is the mean over the token steps", () => {
    const examples = [[3, 1, 4, 1], [5, 8, 2], [2, 7, 1, 8, 2, 8]];
    const tags = [[1, 0, 3, 2], [2, 2, 1], [0, 1, 2, 3, 0, 1]];
    const T = 6;
    const padded = tagger(T);
    const x = examples.map((e) => prePad(e, T));
    const y = tags.map((t) => prePad(t, T).map((tag, i) => (i < T - t.length ? 3 : tag)));
    const predictions = padded.predict(x);
    const [loss] = padded.evaluate(x, y) as number[];
    const weights = padded.getWeights();
    const bias = weights[weights.length - 1]!;
    // softmax(b): a padded step's two directions output zeros (Keras' Bidirectional sets zero_output_for_mask).
    const exp = Array.from(bias, Math.exp);
    const biasOnly = exp.map((e) => e / exp.reduce((a, b) => a + b, 0));
    let weightedLoss = 0;
    let tokens = 0;
    examples.forEach((example, b) => {
      const unpadded = tagger(example.length);
      unpadded.setWeights(weights);
      const alone = unpadded.predict([example])[0]!;
      const row = predictions[b]!;
      const pad = T - example.length;
      expect(row.slice(pad * 4), `example ${b}: the token steps`).toEqual(alone);
      for (let t = 0; t < pad; t++) row.slice(t * 4, (t + 1) * 4).forEach((p, j) => expect(p, `example ${b}, padded step ${t}`).toBeCloseTo(biasOnly[j]!, 6));
      const [exampleLoss] = unpadded.evaluate([example], [tags[b]!]) as number[];
      weightedLoss += exampleLoss! * example.length;
      tokens += example.length;
    });
    // Each example's loss is the mean over its steps, so the batch's is their mean weighted by length.
    expect(loss).toBeCloseTo(weightedLoss / tokens, 6);
  });

  it("the float64 interpreter agrees: a padded batch's loss is the token-weighted mean of the unpadded examples' losses", () => {
    const make = (steps: number) =>
      sequential(input([steps], { dtype: "int32" }), embedding(VOCABULARY, 2, { maskZero: true }), gru(2, { returnSequences: true }), dense(3, "softmax")).compile({
        loss: "sparseCategoricalCrossentropy",
      });
    const long = make(5);
    const params = new Map(long.ir.params.map((p, i) => [p.name, Float64Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.sin(7 * i + k))]));
    const examples = [[4, 2], [1, 3, 8, 5, 6]];
    const tags = [[2, 0], [1, 1, 0, 2, 2]];
    const ids = Float64Array.from(examples.flatMap((e) => prePad(e, 5)));
    const targets = Float64Array.from(tags.flatMap((t) => prePad(t, 5)));
    const loss = lossValue(long.ir, forward(long.ir, params, [ids], 2, { training: false }), targets, 2, params);
    let weighted = 0;
    examples.forEach((e, b) => {
      const short = make(e.length);
      const alone = lossValue(short.ir, forward(short.ir, params, [Float64Array.from(e)], 1, { training: false }), Float64Array.from(tags[b]!), 1, params);
      weighted += alone * e.length;
    });
    expect(loss).toBeCloseTo(weighted / 7, 12);
  });
});

describe("per-step loss and accuracy leave padded steps out", () => {
  // embedding(4, 2, maskZero) -> dense(2, softmax) with identity kernel and zero bias: each step's
  // prediction is softmax(table[id]). Rows: id 0 [ln 9, 0] -> (0.9, 0.1); id 1 [ln 3, 0] ->
  // (3/4, 1/4); id 2 [0, ln 3] -> (1/4, 3/4); id 3 [0, 0] -> (1/2, 1/2).
  const table = [Math.log(9), 0, Math.log(3), 0, 0, Math.log(3), 0, 0];
  const x = [
    [0, 1, 2],
    [0, 0, 3],
  ];
  // Tags at the padded steps are set against the padding's prediction (class 0): counted, they would show.
  const y = [
    [1, 0, 1],
    [1, 1, 1],
  ];
  const make = () => {
    const net = liveModel(
      sequential(input([3], { dtype: "int32" }), embedding(4, 2, { maskZero: true }), dense(2, "softmax")).compile({
        loss: "sparseCategoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.3 }),
        metrics: ["accuracy"],
      }),
    );
    net.setWeights([table, [1, 0, 0, 1], [0, 0]]);
    return net;
  };
  // Token steps: (id 1, tag 0) -ln(3/4); (id 2, tag 1) -ln(3/4); (id 3, tag 1) -ln(1/2). Keras' masked mean over the three.
  const maskedLoss = (2 * Math.log(4 / 3) + Math.log(2)) / 3;

  it("one batch: the loss is the mean over the three token steps; accuracy 2 of 3 (id 3's tie goes to class 0)", () => {
    const [loss, accuracy] = make().evaluate(x, y) as number[];
    expect(loss).toBeCloseTo(maskedLoss, 6);
    expect(accuracy).toBeCloseTo(2 / 3, 12);
    // Counting every step instead: the padded steps' -ln(0.1) would be in, and accuracy 2 of 6.
    expect(Math.abs(loss! - (2 * Math.log(4 / 3) + Math.log(2) + 3 * Math.log(10)) / 6)).toBeGreaterThan(0.5);
  });

  it("batches of one: the loss is the batch losses' mean (Keras' loss tracker), accuracy still over every token step", () => {
    const [loss, accuracy] = make().evaluate(x, y, { batchSize: 1 }) as number[];
    expect(loss).toBeCloseTo((Math.log(4 / 3) + Math.log(2)) / 2, 6);
    expect(accuracy).toBeCloseTo(2 / 3, 12);
  });

  it("a batch of padding only: loss 0 and no gradient (divide_no_nan); accuracy counts nothing", () => {
    const net = make();
    const before = net.getWeights();
    const [loss] = net.trainOnBatch([[0, 0, 0]], [[1, 1, 1]]) as number[];
    expect(loss).toBe(0);
    expect(net.getWeights()).toEqual(before);
  });

  it("one SGD step: padded steps give no gradient (the padding row of the table stays), db = Σ over token steps of (p - y) / 3", () => {
    const net = make();
    net.trainOnBatch(x, y);
    const [after, , bias] = net.getWeights();
    expect(Array.from(after!.subarray(0, 2))).toEqual([Math.fround(Math.log(9)), 0]);
    // p - y: (3/4 - 1, 1/4), (1/4, 3/4 - 1), (1/2, 1/2 - 1); summed (1/2, -1/2), over 3: db = (1/6, -1/6).
    expect(bias![0]).toBeCloseTo(-0.3 / 6, 6);
    expect(bias![1]).toBeCloseTo(0.3 / 6, 6);
    // The id 3 row moved by -0.3 · (p - y) · Kᵀ / 3 = -0.1 · (1/2, -1/2).
    expect(after![6]).toBeCloseTo(-0.05, 6);
    expect(after![7]).toBeCloseTo(0.05, 6);
  });
});
