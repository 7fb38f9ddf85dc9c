// Perceptrons: AND, NAND and OR with hand-set weights and a step activation (frozen: a step has no
// useful gradient), then XOR, which one layer cannot separate and two layers can.
import { dense, input, sequential, sgd } from "typegrad/dsl";

const gate = (w1: number, w2: number, b: number) =>
  sequential(input([2]), dense(1, { activation: "step", kernel: [[w1], [w2]], bias: [b], trainable: false })).compile({
    loss: "meanSquaredError",
    metrics: ["accuracy"],
  });

export const andGate = gate(0.5, 0.5, -0.7);
export const nandGate = gate(-0.5, -0.5, 0.7);
export const orGate = gate(0.5, 0.5, -0.2);

/** One layer: a single line through the plane. */
export const singleLayerXor = sequential(input([2]), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: sgd({ learningRate: 0.5 }),
  metrics: ["accuracy"],
  seed: 1,
});

/** A hidden layer bends the boundary. */
export const multiLayerXor = sequential(input([2]), dense(8, "tanh"), dense(1, "sigmoid")).compile({
  loss: "binaryCrossentropy",
  optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }),
  metrics: ["accuracy"],
  seed: 1,
});
