// The seed's back-propagation example: 2 inputs, 2 hidden and 2 output sigmoid units, no biases,
// the exact starting weights, E = 1/2 * sum (target - output)^2 (meanSquaredError over the 2
// outputs), one SGD step with learning rate 0.5.
import { dense, input, sequential, sgd } from "typegrad/dsl";

export const backprop = sequential(
  input([2]),
  // z1 = w1*x1 + w2*x2, z2 = w3*x1 + w4*x2 with w1=0.3, w2=0.25, w3=0.4, w4=0.35 (kernel [in, out])
  dense(2, { activation: "sigmoid", useBias: false, kernel: [[0.3, 0.4], [0.25, 0.35]] }),
  // z3 = w5*h1 + w6*h2, z4 = w7*h1 + w8*h2 with w5=0.45, w6=0.4, w7=0.7, w8=0.6
  dense(2, { activation: "sigmoid", useBias: false, kernel: [[0.45, 0.7], [0.4, 0.6]] }),
).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.5 }) });
