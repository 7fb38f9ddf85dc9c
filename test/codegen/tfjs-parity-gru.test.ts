import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { dense, gru, input, sequential, sgd } from "typegrad/dsl";
import {
  binaryLabels,
  explicitStart,
  expectParity,
  floats,
  oneHot,
  runParity,
  useTfjsCpu,
  type ExpectedWeight,
  type ParityCase,
  type WeightMapping,
} from "../support/tfjs-parity";

// Parity of the generated gru kernels (forward and backpropagation through time) WITHOUT resetAfter
// against TensorFlow.js layers (4.22, 'cpu' backend, float32), in the manner of
// tfjs-parity-recurrent.test.ts: both libraries start from the SAME EXPLICIT weights (seeded,
// moderate: nothing saturates), train three steps with trainOnBatch on one batch and plain or
// momentum SGD, then predict. Compared: the loss of each step, the predictions and every weight.
// (gru with resetAfter, Keras 3's default, is held to PyTorch in torch-parity-gru.test.ts.)
//
// Tolerances are ABSOLUTE: predictions (softmax / sigmoid outputs in [0, 1]) within 1e-5; weights
// (all of magnitude about 1 or below) within 5e-5; every weight must have moved by more than 1e-3,
// so the test cannot pass by leaving weights alone.
//
// Where the two libraries line up (checked in tfjs-layers 4.22's dist/layers/recurrent.js):
// - TF.js' GRUCell has no resetAfter form: its constructor throws "GRUCell does not support
//   reset_after parameter set to true" (GRULayerArgs does not even declare the option), and its
//   getConfig reports resetAfter false. So only typegrad's `resetAfter: false` has a peer here.
// - Weights: GRUCell.build adds kernel [F, 3U], recurrent_kernel [U, 3U] and (useBias) bias [3U],
//   in that order: Keras' names, order and layout (Keras 2's resetAfter-false bias is one row), and
//   typegrad's. GRUCell.call computes x·K + b, splits it into three equal blocks along the last axis
//   as xZ, xR, xH; splits R into its first 2U columns (rk1) and last U (rk2); z = rec(xZ + h·rk1_z),
//   r = rec(xR + h·rk1_r), hh = act(xH + (r ⊙ h)·rk2), h = z ⊙ h + (1 − z) ⊙ hh. That is Keras'
//   gate order z, r, h and the resetAfter-false cell, the order of typegrad's columns: weights are
//   copied unchanged, but each one is paired explicitly by layer class, name and the shape computed
//   from F and U.
// - TF.js' GRU defaults are Keras 2's: recurrentActivation 'hardSigmoid' (Keras 3: sigmoid), kernel
//   initializer glorotNormal, recurrent initializer orthogonal (which needs the union package, see
//   NO_ORTHOGONAL). The TF.js side is given recurrentActivation 'sigmoid' and activation 'tanh'
//   explicitly; the initial values of both sides are overwritten with the same explicit weights
//   after both biases are checked to start at zero.
// - Both start from a zero state (h_0 = 0), run forward in time, no masking, no dropout.
// - SGD with momentum: TF.js' a = m·a + g, w -= lr·a equals Keras 3's v = m·v - lr·g, w += v with
//   v = -lr·a (constant learning rate), up to float32 rounding.

// ------------------------------------------------------------ weight mapping

/** The weights a TF.js layer of this class holds, in its order, with shapes from its input features. */
function expectedWeights(layer: tfl.layers.Layer, features: number): ExpectedWeight[] {
  const config = layer.getConfig();
  const units = config.units as number;
  switch (layer.getClassName()) {
    case "GRU":
      expect(config.resetAfter, "TF.js' GRU is the resetAfter-false cell").toBe(false);
      return [
        { suffix: "kernel", shape: [features, 3 * units] },
        { suffix: "recurrent_kernel", shape: [units, 3 * units] },
        ...(config.useBias === false ? [] : [{ suffix: "bias", shape: [3 * units] }]),
      ];
    case "Dense":
      return [{ suffix: "kernel", shape: [features, units] }, ...(config.useBias === false ? [] : [{ suffix: "bias", shape: [units] }])];
    default:
      throw new Error(`no weight mapping for TF.js ${layer.getClassName()}`);
  }
}

/**
 * Each weight paired by layer class (by the typegrad layer's name), name and shape; both libraries
 * start the GRU bias at zero (Keras' default). Starting weights: explicit, seeded, input kernels
 * ±0.6, recurrent kernels ±0.5, biases ±0.2, dense ±0.6.
 */
const MAPPING: WeightMapping = {
  expectedWeights,
  typegradLayer: { GRU: /^gru(_\d+)?$/, Dense: /^dense(_\d+)?$/ },
  initialValue: (p) => (p.cell === "GRU" && p.suffix === "bias" ? new Float32Array(p.shape[0]!) : undefined),
};

// ------------------------------------------------------------ the run

function runGruParity(c: ParityCase & { readonly seed: number }) {
  return runParity(c, explicitStart(MAPPING, c.seed));
}

useTfjsCpu();

/**
 * TF.js' default recurrent initialiser, orthogonal, calls Tensor.flatten(), a chained op that only
 * the union package @tensorflow/tfjs registers (tfjs-core alone does not): building the layer throws
 * "rMat.flatten is not a function". The initial values are overwritten anyway.
 */
const NO_ORTHOGONAL = "glorotUniform";

/** TF.js GRU with Keras 3's activations (sigmoid gates, tanh candidate); necessarily resetAfter false. */
function tfjsGru(args: { units: number; returnSequences?: boolean; useBias?: boolean; inputShape?: number[] }): tfl.layers.Layer {
  return tfl.layers.gru({ ...args, activation: "tanh", recurrentActivation: "sigmoid", recurrentInitializer: NO_ORTHOGONAL });
}

describe("parity with TensorFlow.js: GRU (resetAfter false)", () => {
  it("TF.js 4.22 has no resetAfter form: its GRU refuses resetAfter true", () => {
    // resetAfter is not in GRULayerArgs' type, but the cell reads it from the arguments.
    const args = { units: 2, inputShape: [3, 2], resetAfter: true } as Parameters<typeof tfl.layers.gru>[0];
    expect(() => tfl.layers.gru(args)).toThrow(/reset_after/);
  });

  it("[T, F] -> gru(4) -> dense(1, sigmoid), binary cross-entropy, SGD (gates z, r, h)", async () => {
    const T = 5, F = 3, U = 4, B = 6;
    const result = await runGruParity({
      typegrad: sequential(input([T, F]), gru(U, { resetAfter: false }), dense(1, "sigmoid")).compile({
        loss: "binaryCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsGru({ units: U, inputShape: [T, F] }), tfl.layers.dense({ units: 1, activation: "sigmoid" })],
      loss: "binaryCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      x: floats(B * T * F, 1101),
      y: binaryLabels(B),
      seed: 11000,
    });
    expectParity(result, { names: ["gru_kernel", "gru_recurrent_kernel", "gru_bias", "dense_kernel", "dense_bias"] });
  });

  it("stacked: gru(3, returnSequences) -> gru(4) -> dense(2, softmax), categorical cross-entropy, momentum SGD", async () => {
    const T = 5, F = 2, A = 3, H = 4, C = 2, B = 5;
    const result = await runGruParity({
      typegrad: sequential(
        input([T, F]),
        gru(A, { returnSequences: true, resetAfter: false }),
        gru(H, { resetAfter: false }),
        dense(C, "softmax"),
      ).compile({ loss: "categoricalCrossentropy", optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }) }),
      tfjsLayers: () => [
        tfjsGru({ units: A, returnSequences: true, inputShape: [T, F] }),
        tfjsGru({ units: H }),
        tfl.layers.dense({ units: C, activation: "softmax" }),
      ],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.momentum(0.3, 0.9),
      exampleShape: [T, F],
      x: floats(B * T * F, 1201),
      y: oneHot(B, C, 1202),
      seed: 12000,
    });
    expectParity(result, {
      names: [
        "gru_kernel",
        "gru_recurrent_kernel",
        "gru_bias",
        "gru_1_kernel",
        "gru_1_recurrent_kernel",
        "gru_1_bias",
        "dense_kernel",
        "dense_bias",
      ],
    });
  });

  it("without bias: gru(3, useBias false) -> dense(3, softmax), categorical cross-entropy, SGD", async () => {
    const T = 4, F = 3, U = 3, C = 3, B = 6;
    const result = await runGruParity({
      typegrad: sequential(input([T, F]), gru(U, { resetAfter: false, useBias: false }), dense(C, "softmax")).compile({
        loss: "categoricalCrossentropy",
        optimizer: sgd({ learningRate: 0.5 }),
      }),
      tfjsLayers: () => [tfjsGru({ units: U, useBias: false, inputShape: [T, F] }), tfl.layers.dense({ units: C, activation: "softmax" })],
      loss: "categoricalCrossentropy",
      optimizer: () => tf.train.sgd(0.5),
      exampleShape: [T, F],
      x: floats(B * T * F, 1301),
      y: oneHot(B, C, 1302),
      seed: 13000,
    });
    expectParity(result, { names: ["gru_kernel", "gru_recurrent_kernel", "dense_kernel", "dense_bias"] });
  });
});
