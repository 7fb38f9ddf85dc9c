// The seed's two-input Functional model: [64] -> 16 -> 8 and [128] -> 64 -> 32 -> 8, joined.
import { concatenate, dense, input, model } from "typegrad/dsl";

const a = input([64]);
const b = input([128]);
const x = dense(8, "relu")(dense(16, "relu")(a));
const y = dense(8, "relu")(dense(32, "relu")(dense(64, "relu")(b)));
const z = dense(1)(dense(2, "relu")(concatenate(x, y)));

export const twoInputs = model({ inputs: [a, b], outputs: z }).compile({ loss: "meanSquaredError", optimizer: "adam" });
