import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { bidirectional, dense, embedding, gru, input, lstm, sequential, sgd, simpleRNN } from "typegrad/dsl";
import { seededRandom } from "../support/random-data";
import { explicitStart, expectParity, expectRowsKept, floats, maxAbsDiff, oneHot, runParity, useTfjsCpu, type ParityCase } from "../support/tfjs-parity";
import { bidirectionalNames, MAPPING, stepTags, tfjsBidirectional, tfjsGru, tfjsLstm, tfjsSimpleRnn } from "../support/tfjs-recurrent";

// Parity of the generated bidirectional recurrent kernels (and of goBackwards) against TensorFlow.js
// layers (4.22, 'cpu' backend, float32), in the manner of tfjs-parity-recurrent.test.ts and
// tfjs-parity-gru.test.ts: both libraries start from the SAME EXPLICIT weights (seeded, moderate:
// nothing saturates), train three steps with trainOnBatch on one batch and plain or momentum SGD,
// then predict. Compared: the loss of each step, the predictions and every weight.
//
// Tolerances are ABSOLUTE: predictions (softmax outputs in [0, 1]) within 1e-5; weights (all of
// magnitude about 1 or below) within 5e-5; every weight must have moved by more than 1e-3, so the
// test cannot pass by leaving weights alone (the backward layer's weights included).
//
// Where the two libraries line up (checked in tfjs-layers 4.22's dist/layers/wrappers.js and
// dist/layers/recurrent.js):
// - TF.js' Bidirectional clones the wrapped layer twice from its config: forwardLayer as given,
//   backwardLayer with goBackwards flipped, named 'forward_<name>' and 'backward_<name>'; build()
//   builds the forward layer, then the backward one, each in its own name scope, so the variables are
//   '<bidirectional>/forward_<inner>/kernel', ..., then '<bidirectional>/backward_<inner>/kernel', ...;
//   weights, trainableWeights and getWeights are the forward layer's followed by the backward
//   layer's. typegrad names them '<layer>_forward_kernel', ..., '<layer>_backward_kernel', ..., in the
//   same order. Each weight is paired explicitly by direction, name and the shape computed from the
//   inner layer's config (F, U, gates); the values are copied unchanged (the cells' gate layouts are
//   Keras', see the two parity files above).
// - Bidirectional.call: y = forward(x), yRev = backward(x); with returnSequences, yRev = reverse(yRev,
//   axis 1) (the backward layer's output comes in processing order); then concat [y, yRev] on the last
//   axis, y + yRev, y·yRev or 0.5·(y + yRev). typegrad averages with a mean over a [.., 2, U] reshape.
// - rnn() with goBackwards reverses the inputs along time, runs the steps and stacks the per-step
//   outputs in PROCESSING order (no reverse back): Keras' go_backwards. typegrad's goBackwards output
//   is held to that by a plain goBackwards lstm whose every step feeds a dense layer.
// - The inner layers are given Keras 3's cells (see the two parity files): recurrentActivation
//   'sigmoid', LSTM unitForgetBias true (Bidirectional keeps both through the config round trip),
//   recurrentInitializer glorotUniform (TF.js' orthogonal needs the union package). Initial LSTM
//   biases are checked to be [0·U, 1·U, 0·2U] and GRU / SimpleRNN biases zero, in both directions and
//   on both sides, before everything is overwritten with the same explicit weights.
// - TF.js' GRU is the resetAfter-false cell only: typegrad's gru is given resetAfter false.
// - sparseCategoricalCrossentropy over a [T, tags] output: TF.js targets [B, T, 1], typegrad [B][T],
//   both averaged over the B·T cross-entropies.

// ------------------------------------------------------------ the run

function runBidirectionalParity(c: ParityCase & { readonly seed: number }) {
  return runParity(c, explicitStart(MAPPING, c.seed));
}

/** [B, T, C] values (flat) with the time axis reversed. */
function reverseSteps(values: readonly number[], batch: number, steps: number): number[] {
  const width = values.length / (batch * steps);
  return Array.from({ length: values.length }, (_, i) => {
    const b = Math.floor(i / (steps * width));
    const t = Math.floor(i / width) % steps;
    return values[(b * steps + (steps - 1 - t)) * width + (i % width)]!;
  });
}

useTfjsCpu();

describe("parity with TensorFlow.js: Bidirectional", () => {
  it("[T, F] -> bidirectional(lstm(3)) (concat, the default) -> dense(3, softmax), categorical cross-entropy, SGD", async () => {
    const T = 4, F = 3, U = 3, C = 3, B = 6;
    const result = await runBidirectionalParity({
      typegrad: sequential(input([T, F]), bidirectional(lstm(U)), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsBidirectional(tfjsLstm({ units: U }), "concat", [T, F]), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 2101),
      y: oneHot(B, C, 2102),
      seed: 21000,
    });
    expectParity(result, { names: [...bidirectionalNames("bidirectional"), "dense_kernel", "dense_bias"] });
  });

  it("part-of-speech tagger: int32 ids -> embedding -> bidirectional(lstm(3, returnSequences)) -> dense(4, softmax) per step, sparse categorical cross-entropy", async () => {
    const T = 5, V = 9, D = 3, U = 3, TAGS = 4, B = 4;
    const next = seededRandom(2201);
    const ids = Array.from({ length: B * T }, () => Math.floor(next() * V));
    const tags = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (ids[b * T + t]! + b + t) % TAGS));
    const result = await runBidirectionalParity({
      typegrad: sequential(
        input([T], { dtype: "int32" }),
        embedding(V, D),
        bidirectional(lstm(U, { returnSequences: true })),
        dense(TAGS, "softmax"),
      ).compile({ loss: "sparseCategoricalCrossentropy", optimizer: sgd({ learningRate: 0.5 }) }),
      tfjsLayers: () => [
        tfl.layers.embedding({ inputDim: V, outputDim: D, inputShape: [T] }),
        tfjsBidirectional(tfjsLstm({ units: U, returnSequences: true }), "concat"),
        tfl.layers.dense({ units: TAGS, activation: "softmax" }),
      ],
      loss: "sparseCategoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T],
      dtype: "int32",
      x: ids,
      y: tags,
      seed: 22000,
    });
    // Rows of ids never seen keep their values: found from the batch, not assumed.
    const unseen = Array.from({ length: V }, (_, id) => id).filter((id) => !ids.includes(id));
    expectRowsKept(result, "embedding_embeddings", unseen, D);
    expectParity(result, { names: ["embedding_embeddings", ...bidirectionalNames("bidirectional"), "dense_kernel", "dense_bias"] });
  });

  it("stacked: bidirectional(gru(2, resetAfter false, returnSequences), sum) -> bidirectional(simpleRNN(3), ave) -> dense(2, softmax), momentum SGD", async () => {
    const T = 5, F = 2, G = 2, H = 3, C = 2, B = 5;
    const result = await runBidirectionalParity({
      typegrad: sequential(
        input([T, F]),
        bidirectional(gru(G, { resetAfter: false, returnSequences: true }), { mergeMode: "sum" }),
        bidirectional(simpleRNN(H), { mergeMode: "ave" }),
        dense(C, "softmax"),
      ).compile({ loss: "categoricalCrossentropy", optimizer: sgd({ learningRate: 0.6, momentum: 0.9 }) }),
      tfjsLayers: () => [
        tfjsBidirectional(tfjsGru({ units: G, returnSequences: true }), "sum", [T, F]),
        tfjsBidirectional(tfjsSimpleRnn({ units: H }), "ave"),
        tfl.layers.dense({ units: C, activation: "softmax" }),
      ],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.6, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 2301),
      y: oneHot(B, C, 2302),
      seed: 23000,
    });
    expectParity(result, { names: [...bidirectionalNames("bidirectional"), ...bidirectionalNames("bidirectional_1"), "dense_kernel", "dense_bias"] });
  });

  it("bidirectional(lstm(3), mul) -> dense(3, softmax), categorical cross-entropy, momentum SGD", async () => {
    const T = 4, F = 3, U = 3, C = 3, B = 6;
    const result = await runBidirectionalParity({
      typegrad: sequential(input([T, F]), bidirectional(lstm(U), { mergeMode: "mul" }), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }),
      }),
      tfjsLayers: () => [tfjsBidirectional(tfjsLstm({ units: U }), "mul", [T, F]), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.5, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 2401),
      y: oneHot(B, C, 2402),
      seed: 24000,
    });
    expectParity(result, { names: [...bidirectionalNames("bidirectional"), "dense_kernel", "dense_bias"] });
  });

  it("goBackwards: lstm(3, goBackwards, returnSequences) -> dense(3, softmax) per step: the output in processing order, as TF.js", async () => {
    const T = 5, F = 2, U = 3, TAGS = 3, B = 4;
    const result = await runBidirectionalParity({
      typegrad: sequential(input([T, F]), lstm(U, { goBackwards: true, returnSequences: true }), dense(TAGS, "softmax")).compile({
        loss: "sparseCategoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsLstm({ units: U, goBackwards: true, returnSequences: true, inputShape: [T, F] }), tfl.layers.dense({ units: TAGS, activation: "softmax" })],
      loss: "sparseCategoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 2501),
      y: stepTags(B, T, TAGS, 2502),
      seed: 25000,
    });
    expectParity(result, { names: ["lstm_kernel", "lstm_recurrent_kernel", "lstm_bias", "dense_kernel", "dense_bias"] });
    // The comparison tells the orders apart: TF.js' steps put back in time order are far from typegrad's.
    expect(maxAbsDiff(result.predictions, reverseSteps(result.tfjsPredictions, B, T))).toBeGreaterThan(1e-2);
  });

  it("bidirectional around a goBackwards lstm(2, returnSequences) (forward runs last to first, backward first to last), concat, per step", async () => {
    const T = 4, F = 2, U = 2, TAGS = 3, B = 4;
    const result = await runBidirectionalParity({
      typegrad: sequential(input([T, F]), bidirectional(lstm(U, { goBackwards: true, returnSequences: true })), dense(TAGS, "softmax")).compile({
        loss: "sparseCategoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }),
      }),
      tfjsLayers: () => [
        tfjsBidirectional(tfjsLstm({ units: U, goBackwards: true, returnSequences: true }), "concat", [T, F]),
        tfl.layers.dense({ units: TAGS, activation: "softmax" }),
      ],
      loss: "sparseCategoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.5, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 2601),
      y: stepTags(B, T, TAGS, 2602),
      seed: 26000,
    });
    expectParity(result, { names: [...bidirectionalNames("bidirectional"), "dense_kernel", "dense_bias"] });
  });
});
