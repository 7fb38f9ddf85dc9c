import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { dense, embedding, input, lstm, sequential, sgd, simpleRNN } from "typegrad/dsl";
import { seededRandom } from "../support/random-data";
import {
  binaryLabels,
  explicitStart,
  expectParity,
  expectRowsKept,
  floats,
  oneHot,
  runParity,
  STEPS,
  useTfjsCpu,
  weightIndex,
  type ExpectedWeight,
  type ParityCase,
  type WeightMapping,
} from "../support/tfjs-parity";

// Parity of the generated simpleRNN and lstm kernels (forward and backpropagation through time)
// against TensorFlow.js layers (4.22, 'cpu' backend, float32), in the manner of tfjs-parity.test.ts.
// Both libraries start from the SAME EXPLICIT weights (seeded, moderate: nothing saturates), train
// three steps with trainOnBatch on one batch and plain or momentum SGD, then predict. Compared: the
// loss of each step, the predictions and every weight.
//
// Tolerances are ABSOLUTE: predictions (softmax / sigmoid outputs in [0, 1]) within 1e-5; weights
// (all of magnitude about 1 or below) within 5e-5; every weight of the recurrent layers must have
// moved by more than 1e-3 (except where it provably gets no gradient, see the length-1 case), so the
// test cannot pass by leaving weights alone.
//
// Where the two libraries line up (checked in tfjs-layers 4.22's dist/layers/recurrent.js):
// - Weights: the RNN layer's weights are its cell's, added in the order kernel [F, G·U],
//   recurrent_kernel [U, G·U], bias [G·U] (SimpleRNNCell G = 1, LSTMCell G = 4): Keras' names,
//   order and layout, and typegrad's. LSTMCell.call computes z = x·K + h·R + b and splits z into
//   four equal blocks along the last axis as i, f, c, o (c = f·c_{t-1} + i·tanh(z_c), h = o·tanh(c)):
//   Keras' gate order, the order of typegrad's columns. So weights are copied unchanged, but each
//   one is paired explicitly by layer class, name and the shape computed from F, U and G.
// - TF.js' LSTM defaults are Keras 2's, not Keras 3's: recurrentActivation 'hardSigmoid', no unit
//   forget bias (args.unitForgetBias is taken as given: undefined), kernel initializer glorotNormal.
//   The TF.js side is therefore given recurrentActivation 'sigmoid' and unitForgetBias true
//   explicitly; its initial bias and typegrad's are both checked to be [0·U, 1·U, 0·2U] before both
//   are overwritten with the same explicit weights (forget block about 1).
// - Both start from zero states (h_0 = 0, c_0 = 0), run forward in time, no masking.
// - sparseCategoricalCrossentropy over a [T, tags] output: TF.js wants targets [B, T, 1] (one class
//   id per step) and averages the [B, T] cross-entropies; Keras 3 ("sum_over_batch_size") averages
//   over the same B·T values. typegrad takes the ids as [B][T].
// - SGD with momentum: TF.js' a = m·a + g, w -= lr·a equals Keras 3's v = m·v - lr·g, w += v with
//   v = -lr·a (constant learning rate), up to float32 rounding. Adam is not used.
// Not covered: a STACKED recurrent model over sequences of length 1 (lstm(returnSequences) ->
// simpleRNN with T = 1) has no peer: TF.js 4.22's trainOnBatch throws in the gradient of unstack
// ("Argument tensors passed to stack must be a `Tensor[]`"); single recurrent layers at T = 1 train.

// ------------------------------------------------------------ weight mapping

/** The weights a TF.js layer of this class holds, in its order, with shapes from its input features. */
function expectedWeights(layer: tfl.layers.Layer, features: number): ExpectedWeight[] {
  const config = layer.getConfig();
  const units = config.units as number;
  switch (layer.getClassName()) {
    case "SimpleRNN":
    case "LSTM": {
      const width = (layer.getClassName() === "LSTM" ? 4 : 1) * units;
      return [
        { suffix: "kernel", shape: [features, width] },
        { suffix: "recurrent_kernel", shape: [units, width] },
        ...(config.useBias === false ? [] : [{ suffix: "bias", shape: [width] }]),
      ];
    }
    case "Dense":
      return [{ suffix: "kernel", shape: [features, units] }, ...(config.useBias === false ? [] : [{ suffix: "bias", shape: [units] }])];
    case "Embedding":
      return [{ suffix: "embeddings", shape: [config.inputDim as number, config.outputDim as number] }];
    default:
      throw new Error(`no weight mapping for TF.js ${layer.getClassName()}`);
  }
}

/** Keras' unit forget bias for `units`: [0·U, 1·U, 0·2U]. */
function unitForgetBias(units: number): Float32Array {
  const b = new Float32Array(4 * units);
  b.fill(1, units, 2 * units);
  return b;
}

/**
 * Each weight paired by layer class (by the typegrad layer's name), name and shape; both libraries'
 * own LSTM bias initialisation is Keras' unit forget bias.
 */
const MAPPING: WeightMapping = {
  expectedWeights,
  typegradLayer: {
    SimpleRNN: /^simple_rnn(_\d+)?$/,
    LSTM: /^lstm(_\d+)?$/,
    Dense: /^dense(_\d+)?$/,
    Embedding: /^embedding(_\d+)?$/,
  },
  initialValue: (p) => (p.cell === "LSTM" && p.suffix === "bias" ? unitForgetBias(p.shape[0]! / 4) : undefined),
};

// ------------------------------------------------------------ the run

function runRecurrentParity(c: ParityCase & { readonly seed: number }) {
  return runParity(c, explicitStart(MAPPING, c.seed));
}

useTfjsCpu();

/**
 * TF.js' default recurrent initialiser, orthogonal, calls Tensor.flatten(), a chained op that only
 * the union package @tensorflow/tfjs registers (tfjs-core alone does not): building the layer throws
 * "rMat.flatten is not a function". The initial values are overwritten anyway.
 */
const NO_ORTHOGONAL = "glorotUniform";

/** TF.js LSTM with Keras 3's cell: sigmoid gates, unit forget bias. */
function tfjsLstm(args: { units: number; returnSequences?: boolean; inputShape?: number[] }): tfl.layers.Layer {
  return tfl.layers.lstm({ ...args, activation: "tanh", recurrentActivation: "sigmoid", unitForgetBias: true, recurrentInitializer: NO_ORTHOGONAL });
}

/** TF.js SimpleRNN (tanh unless told). */
function tfjsSimpleRnn(args: { units: number; activation?: "tanh" | "relu"; inputShape?: number[] }): tfl.layers.Layer {
  return tfl.layers.simpleRNN({ activation: "tanh", ...args, recurrentInitializer: NO_ORTHOGONAL });
}

describe("parity with TensorFlow.js: SimpleRNN", () => {
  it("[T, F] -> simpleRNN(4) -> dense(1, sigmoid), binary cross-entropy, SGD", async () => {
    const T = 5, F = 3, U = 4, B = 6;
    const result = await runRecurrentParity({
      typegrad: sequential(input([T, F]), simpleRNN(U), dense(1, "sigmoid")).compile({
        loss: "binaryCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsSimpleRnn({ units: U, activation: "tanh", inputShape: [T, F] }), tfl.layers.dense({ units: 1, activation: "sigmoid" })],
      loss: "binaryCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 101),
      y: binaryLabels(B),
      seed: 1000,
    });
    expectParity(result);
  });

  it("simpleRNN(4, relu) over 5 steps -> dense(2, softmax), categorical cross-entropy, momentum SGD", async () => {
    const T = 5, F = 3, U = 4, C = 2, B = 6;
    const result = await runRecurrentParity({
      typegrad: sequential(input([T, F]), simpleRNN(U, { activation: "relu" }), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.2, momentum: 0.9 }),
      }),
      tfjsLayers: () => [tfjsSimpleRnn({ units: U, activation: "relu", inputShape: [T, F] }), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.2, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 501),
      y: oneHot(B, C, 502),
      seed: 5000,
    });
    expectParity(result);
  });
});

describe("parity with TensorFlow.js: LSTM", () => {
  it("[T, F] -> lstm(3) -> dense(3, softmax), categorical cross-entropy, SGD (gates i, f, c, o)", async () => {
    const T = 4, F = 3, U = 3, C = 3, B = 6;
    const result = await runRecurrentParity({
      typegrad: sequential(input([T, F]), lstm(U), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsLstm({ units: U, inputShape: [T, F] }), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 201),
      y: oneHot(B, C, 202),
      seed: 2000,
    });
    expectParity(result);
  });

  it("stacked: lstm(3, returnSequences) -> simpleRNN(4) -> dense(2, softmax), momentum SGD", async () => {
    const T = 5, F = 2, A = 3, H = 4, C = 2, B = 5;
    const result = await runRecurrentParity({
      typegrad: sequential(input([T, F]), lstm(A, { returnSequences: true }), simpleRNN(H), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }),
      }),
      tfjsLayers: () => [
        tfjsLstm({ units: A, returnSequences: true, inputShape: [T, F] }),
        tfjsSimpleRnn({ units: H, activation: "tanh" }),
        tfl.layers.dense({ units: C, activation: "softmax" }),
      ],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.3, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 301),
      y: oneHot(B, C, 302),
      seed: 3000,
    });
    expectParity(result);
  });

  it("per-step tagger: int32 ids -> embedding -> lstm(4, returnSequences) -> dense(3, softmax) per step, sparse categorical cross-entropy", async () => {
    const T = 6, V = 10, D = 3, U = 4, TAGS = 3, B = 4;
    const next = seededRandom(401);
    const ids = Array.from({ length: B * T }, () => Math.floor(next() * V));
    const tags = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (ids[b * T + t]! + b + t) % TAGS));
    const result = await runRecurrentParity({
      typegrad: sequential(input([T], { dtype: "int32" }), embedding(V, D), lstm(U, { returnSequences: true }), dense(TAGS, "softmax")).compile({
        loss: "sparseCategoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [
        tfl.layers.embedding({ inputDim: V, outputDim: D, inputShape: [T] }),
        tfjsLstm({ units: U, returnSequences: true }),
        tfl.layers.dense({ units: TAGS, activation: "softmax" }),
      ],
      loss: "sparseCategoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T],
      dtype: "int32",
      x: ids,
      y: tags,
      seed: 4000,
    });
    // Rows of ids never seen keep their values: found from the batch, not assumed.
    const unseen = Array.from({ length: V }, (_, id) => id).filter((id) => !ids.includes(id));
    expectRowsKept(result, "embedding_embeddings", unseen, D);
    expectParity(result);
  });

  it("a sequence of length 1: lstm(3) -> dense(2, softmax); no gradient reaches the recurrent kernel or the forget gate", async () => {
    const T = 1, F = 4, U = 3, C = 2, B = 6;
    const result = await runRecurrentParity({
      typegrad: sequential(input([T, F]), lstm(U), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsLstm({ units: U, inputShape: [T, F] }), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 601),
      y: oneHot(B, C, 602),
      seed: 6000,
    });
    // One step from zero states: dR = h_0ᵀ·dz = 0, and the forget gate's dz_f = dc·c_0·f' = 0, so the
    // forget block (columns U..2U) of the kernel and of the bias stays exactly as it was.
    expectParity(result, { still: ["lstm_recurrent_kernel"] });
    const forgetBlock = (w: Float32Array, rows: number) =>
      Array.from({ length: rows }, (_, r) => Array.from(w.subarray(r * 4 * U + U, r * 4 * U + 2 * U))).flat();
    for (const [name, rows] of [["lstm_kernel", F], ["lstm_bias", 1]] as const) {
      const i = weightIndex(result, name);
      const before = forgetBlock(result.history[0]![i]!, rows);
      expect(forgetBlock(result.history[STEPS]![i]!, rows), `${name} forget block (typegrad)`).toEqual(before);
      expect(forgetBlock(result.tfjsFinal[i]!, rows), `${name} forget block (TF.js)`).toEqual(before);
    }
  });

  it("a sequence of length 1: simpleRNN(3) -> dense(1, sigmoid); no gradient reaches the recurrent kernel", async () => {
    const T = 1, F = 4, U = 3, B = 6;
    const result = await runRecurrentParity({
      typegrad: sequential(input([T, F]), simpleRNN(U), dense(1, "sigmoid")).compile({
        loss: "binaryCrossentropy",
        optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }),
      }),
      tfjsLayers: () => [tfjsSimpleRnn({ units: U, inputShape: [T, F] }), tfl.layers.dense({ units: 1, activation: "sigmoid" })],
      loss: "binaryCrossentropy",
      optimizer: () => tf.train.momentum(0.5, 0.9),
      exampleShape: [T, F],
      dtype: "float32",
      x: floats(B * T * F, 701),
      y: binaryLabels(B),
      seed: 7000,
    });
    expectParity(result, { still: ["simple_rnn_recurrent_kernel"] });
  });
});
