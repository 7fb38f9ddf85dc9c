import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tfl from "@tensorflow/tfjs-layers";
import type { Case } from "../cases";
import { caseData } from "../cases";

/** TensorFlow.js layers on the given backend; a step is one trainOnBatch on pre-built tensors. */
export async function tfjsRunner(c: Case, backend: "cpu" | "wasm"): Promise<(steps: number) => Promise<void>> {
  if (!(await tf.setBackend(backend))) throw new Error(`bench: tfjs backend ${backend} failed to start`);
  await tf.ready();
  const sizes = c.layers;
  const layers = sizes.slice(1).map((units, i) =>
    tfl.layers.dense({
      units,
      useBias: c.useBias,
      activation: i === sizes.length - 2 ? c.output : c.hidden,
      ...(i === 0 && { inputShape: [sizes[0]!] }),
    }),
  );
  const model = tfl.sequential({ layers });
  const optimizer = c.optimizer === "sgd" ? tf.train.sgd(c.learningRate) : tf.train.adam(c.learningRate);
  model.compile({ loss: c.loss, optimizer });
  const { x, y } = caseData(c);
  const xs = tf.tensor2d(x);
  const ys = tf.tensor2d(y);
  return async (steps) => {
    for (let i = 0; i < steps; i++) await model.trainOnBatch(xs, ys);
  };
}
