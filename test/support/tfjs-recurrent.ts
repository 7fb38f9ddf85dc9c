// What the TF.js parity tests of recurrent stacks share (tfjs-parity-bidirectional.test.ts, whose
// header tells how the two libraries line up, and tfjs-parity-masking.test.ts): the weight mapping of
// SimpleRNN, LSTM, GRU, Bidirectional, Dense and Embedding layers, Keras 3's cells built in TF.js,
// and the names of a bidirectional layer's weights.

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { expect } from "vitest";
import { seededRandom } from "./random-data";
import type { ExpectedWeight, WeightMapping } from "./tfjs-parity";

/** One class id per step, varying along time (so that a wrong step order cannot score the same). */
export function stepTags(batch: number, steps: number, tags: number, seed: number): number[][] {
  const next = seededRandom(seed);
  return Array.from({ length: batch }, (_, b) => Array.from({ length: steps }, (_, t) => (b + 2 * t + Math.floor(next() * 2)) % tags));
}

// ------------------------------------------------------------ weight mapping

/** The weights a TF.js (non-wrapper) layer of this class and config holds, in its order, with shapes from its input features. */
export function expectedWeights(className: string, config: tf.serialization.ConfigDict, features: number): ExpectedWeight[] {
  const units = config.units as number;
  switch (className) {
    case "SimpleRNN":
    case "LSTM":
    case "GRU": {
      if (className === "GRU") expect(config.resetAfter, "TF.js' GRU is the resetAfter-false cell").toBe(false);
      const width = ({ SimpleRNN: 1, LSTM: 4, GRU: 3 } as Record<string, number>)[className]! * units;
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
      throw new Error(`no weight mapping for TF.js ${className}`);
  }
}

/**
 * The weights a TF.js layer holds. A plain layer: its own. A Bidirectional: the inner layer's weights
 * for the forward direction, then for the backward one, named `${layer}_${direction}_${suffix}` on
 * typegrad's side against TF.js `.../${direction}_<inner>/${suffix}`. Shapes from the (inner) layer's
 * configuration.
 */
export function layerWeights(layer: tfl.layers.Layer, features: number): ExpectedWeight[] {
  const className = layer.getClassName();
  const config = layer.getConfig();
  const inner = className === "Bidirectional" ? (config.layer as { className: string; config: tf.serialization.ConfigDict }) : null;
  return inner
    ? (["forward", "backward"] as const).flatMap((direction) =>
        expectedWeights(inner.className, inner.config, features).map((e) => ({ ...e, direction, cell: inner.className })),
      )
    : expectedWeights(className, config, features);
}

/** Keras' initial recurrent bias: LSTM [0·U, 1·U, 0·2U] (unit forget bias), GRU and SimpleRNN zeros. */
export function initialRecurrentBias(cell: string, size: number): Float32Array {
  const b = new Float32Array(size);
  if (cell === "LSTM") b.fill(1, size / 4, size / 2);
  return b;
}

/**
 * Each weight paired by direction, name and shape (layerWeights); both libraries' own initial
 * recurrent biases are Keras' (both directions); what the optimizer updates is what was paired, in
 * the same order.
 */
export const MAPPING: WeightMapping = {
  expectedWeights: layerWeights,
  typegradLayer: {
    Bidirectional: /^bidirectional(_\d+)?$/,
    SimpleRNN: /^simple_rnn(_\d+)?$/,
    LSTM: /^lstm(_\d+)?$/,
    GRU: /^gru(_\d+)?$/,
    Dense: /^dense(_\d+)?$/,
    Embedding: /^embedding(_\d+)?$/,
  },
  initialValue: (p) =>
    ["LSTM", "GRU", "SimpleRNN"].includes(p.cell) && p.suffix === "bias" ? initialRecurrentBias(p.cell, p.shape[0]!) : undefined,
  checkLayer: (layer) => expect(layer.trainableWeights.map((v) => v.name)).toEqual(layer.weights.map((v) => v.name)),
};

/** The names of a bidirectional layer's weights: the forward direction's, then the backward one's. */
export function bidirectionalNames(layer: string, useBias = true): string[] {
  return (["forward", "backward"] as const).flatMap((d) => [`${layer}_${d}_kernel`, `${layer}_${d}_recurrent_kernel`, ...(useBias ? [`${layer}_${d}_bias`] : [])]);
}

/**
 * TF.js' default recurrent initialiser, orthogonal, calls Tensor.flatten(), a chained op that only
 * the union package @tensorflow/tfjs registers (tfjs-core alone does not): building the layer throws
 * "rMat.flatten is not a function". The initial values are overwritten anyway.
 */
export const NO_ORTHOGONAL = "glorotUniform";

export type RecurrentArgs = { units: number; returnSequences?: boolean; goBackwards?: boolean; inputShape?: number[] };

/** TF.js LSTM with Keras 3's cell: sigmoid gates, unit forget bias. */
export function tfjsLstm(args: RecurrentArgs): tfl.RNN {
  return tfl.layers.lstm({ ...args, activation: "tanh", recurrentActivation: "sigmoid", unitForgetBias: true, recurrentInitializer: NO_ORTHOGONAL });
}

/** TF.js GRU with Keras 3's activations; necessarily resetAfter false. */
export function tfjsGru(args: RecurrentArgs): tfl.RNN {
  return tfl.layers.gru({ ...args, activation: "tanh", recurrentActivation: "sigmoid", recurrentInitializer: NO_ORTHOGONAL });
}

/** TF.js SimpleRNN (tanh). */
export function tfjsSimpleRnn(args: RecurrentArgs): tfl.RNN {
  return tfl.layers.simpleRNN({ ...args, activation: "tanh", recurrentInitializer: NO_ORTHOGONAL });
}

/** TF.js Bidirectional around `layer`; the input shape goes on the wrapper. */
export function tfjsBidirectional(layer: tfl.RNN, mergeMode: "concat" | "sum" | "mul" | "ave", inputShape?: number[]): tfl.layers.Layer {
  const wrapped = tfl.layers.bidirectional({ layer, mergeMode, ...(inputShape ? { inputShape } : {}) });
  expect(wrapped.getConfig().mergeMode).toBe(mergeMode);
  return wrapped;
}
