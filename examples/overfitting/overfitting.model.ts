// A network far larger than its small, noisy training set, and three ways to rein it in.
import { dense, dropout, input, l1, l2, sequential, adam } from "typegrad/dsl";

const compileConfig = { loss: "meanSquaredError" as const, optimizer: adam({ learningRate: 0.01 }), seed: 5 };

export const plain = sequential(input([10]), dense(128, "relu"), dense(128, "relu"), dense(1)).compile(compileConfig);

export const withL1 = sequential(
  input([10]),
  dense(128, { activation: "relu", kernelRegularizer: l1(0.001) }),
  dense(128, { activation: "relu", kernelRegularizer: l1(0.001) }),
  dense(1),
).compile(compileConfig);

export const withL2 = sequential(
  input([10]),
  dense(128, { activation: "relu", kernelRegularizer: l2(0.01) }),
  dense(128, { activation: "relu", kernelRegularizer: l2(0.01) }),
  dense(1),
).compile(compileConfig);

export const withDropout = sequential(input([10]), dense(128, "relu"), dropout(0.5), dense(128, "relu"), dropout(0.5), dense(1)).compile(compileConfig);
