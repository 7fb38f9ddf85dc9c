// A network of 4,400 weights fitted to 30 noisy samples of a curve, and three ways to rein it in.
import { adam, dense, dropout, input, l1, l2, sequential } from "typegrad/dsl";

const compileConfig = { loss: "meanSquaredError" as const, optimizer: adam({ learningRate: 0.01 }), seed: 5 };

export const plain = sequential(input([1]), dense(64, "relu"), dense(64, "relu"), dense(1)).compile(compileConfig);

export const withL1 = sequential(
  input([1]),
  dense(64, { activation: "relu", kernelRegularizer: l1(0.001) }),
  dense(64, { activation: "relu", kernelRegularizer: l1(0.001) }),
  dense(1),
).compile(compileConfig);

export const withL2 = sequential(
  input([1]),
  dense(64, { activation: "relu", kernelRegularizer: l2(0.01) }),
  dense(64, { activation: "relu", kernelRegularizer: l2(0.01) }),
  dense(1),
).compile(compileConfig);

export const withDropout = sequential(input([1]), dense(64, "relu"), dropout(0.5), dense(64, "relu"), dropout(0.5), dense(1)).compile(compileConfig);
