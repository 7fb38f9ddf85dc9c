// XOR, the function a single-layer perceptron cannot learn: a 2-8-1 network of sigmoids.
import { dense, input, sequential, sgd } from "typegrad/dsl";

export const xorNet = sequential(input([2]), dense(8, "tanh"), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }),
  metrics: ["accuracy"],
  seed: 7,
});
