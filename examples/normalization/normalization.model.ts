// Batch and layer normalisation between a dense layer and its activation, as the chapter draws them:
// normalise, then scale by gamma and shift by beta. The dense layer before a batch normalisation has
// no bias (the normalisation takes the mean out, so a bias would do nothing).
import { activation, batchNormalization, dense, input, layerNormalization, sequential, sgd } from "typegrad/dsl";

export const batchNormalized = sequential(
  input([4]),
  dense(16, { useBias: false }),
  batchNormalization(),
  activation("relu"),
  dense(3, "softmax"),
).compile({ loss: "categoricalCrossentropy", optimizer: sgd({ learningRate: 0.2 }), metrics: ["accuracy"], seed: 5 });

export const layerNormalized = sequential(
  input([4]),
  dense(16),
  layerNormalization(),
  activation("relu"),
  dense(3, "softmax"),
).compile({ loss: "categoricalCrossentropy", optimizer: sgd({ learningRate: 0.2 }), metrics: ["accuracy"], seed: 5 });
