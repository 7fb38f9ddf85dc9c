import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tfl from "@tensorflow/tfjs-layers";
import type { DenseCase, NnlmCase, RecurrentCase, TrainingCase } from "../cases";
import { caseData } from "../cases";

/** TensorFlow.js layers on the given backend; a step is one trainOnBatch on pre-built tensors. */
export async function tfjsRunner(c: TrainingCase, backend: "cpu" | "wasm"): Promise<(steps: number) => Promise<void>> {
  if (!(await tf.setBackend(backend))) throw new Error(`bench: tfjs backend ${backend} failed to start`);
  await tf.ready();
  const model = c.kind === "dense" ? denseModel(c) : c.kind === "nnlm" ? nnlmModel(c) : recurrentModel(c);
  const optimizer =
    c.optimizer === "sgd"
      ? tf.train.sgd(c.learningRate)
      : c.optimizer === "rmsprop"
        ? tf.train.rmsprop(c.learningRate, 0.9, 0, 1e-7) // Keras' rho and epsilon (inside the root, as Keras)
        : tf.train.adam(c.learningRate);
  model.compile({ loss: c.loss, optimizer });
  const { x, y } = caseData(c);
  const xs = c.kind === "dense" ? tf.tensor2d(x) : tf.tensor2d(x, undefined, "int32");
  const ys = tf.tensor2d(y);
  return async (steps) => {
    for (let i = 0; i < steps; i++) await model.trainOnBatch(xs, ys);
  };
}

function denseModel(c: DenseCase): tfl.Sequential {
  const sizes = c.layers;
  const layers = sizes.slice(1).map((units, i) =>
    tfl.layers.dense({
      units,
      useBias: c.useBias,
      activation: i === sizes.length - 2 ? c.output : c.hidden,
      ...(i === 0 && { inputShape: [sizes[0]!] }),
    }),
  );
  return tfl.sequential({ layers });
}

/**
 * Embedding, the recurrent layer as Keras 3 makes it (TF.js' own defaults differ: hard-sigmoid gates,
 * no unit forget bias, a Glorot-normal GRU kernel), Dense(1, sigmoid). TF.js' GRU is resetAfter
 * false: it has no other form. The recurrent kernels start Glorot-uniform, not orthogonal: TF.js'
 * orthogonal initialiser calls Tensor.flatten(), a chained op only the union package @tensorflow/tfjs
 * registers ("rMat.flatten is not a function"); a step's work does not depend on the values.
 */
function recurrentModel(c: RecurrentCase): tfl.Sequential {
  const args = { units: c.units, kernelInitializer: "glorotUniform", recurrentInitializer: "glorotUniform" } as const;
  const gates = { recurrentActivation: "sigmoid" } as const;
  const cell = () =>
    c.cell === "simpleRNN"
      ? tfl.layers.simpleRNN(args)
      : c.cell === "lstm"
        ? tfl.layers.lstm({ ...args, ...gates, unitForgetBias: true })
        : tfl.layers.gru({ ...args, ...gates });
  return tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: c.vocabulary, outputDim: c.embeddingDim, inputLength: c.timesteps, inputShape: [c.timesteps] }),
      c.bidirectional ? tfl.layers.bidirectional({ layer: cell() as tfl.RNN, mergeMode: "concat" }) : cell(),
      tfl.layers.dense({ units: 1, activation: "sigmoid" }),
    ],
  });
}

/** Embedding, Flatten, Dense(hidden, tanh), Dense(vocabulary, softmax): Keras' layers and initialisers. */
function nnlmModel(c: NnlmCase): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: c.vocabulary, outputDim: c.embeddingDim, inputLength: c.window, inputShape: [c.window] }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: c.hidden, activation: "tanh" }),
      tfl.layers.dense({ units: c.vocabulary, activation: "softmax" }),
    ],
  });
}
