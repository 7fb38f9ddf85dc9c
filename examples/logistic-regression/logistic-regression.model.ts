// Logistic regression on 3 inputs: one sigmoid unit, binary cross-entropy.
import { dense, input, sequential, sgd } from "typegrad/dsl";

export const logistic = sequential(input([3]), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: sgd({ learningRate: 0.1 }),
  metrics: ["accuracy"],
});
