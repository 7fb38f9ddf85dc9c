import { describe, expect, it } from "vitest";
import { dense, input, sequential, sgd } from "typegrad/dsl";
import { forward, gradients, lossValue } from "../../codegen/interpreter";
import { randomParams } from "../support/random-data";

// SEED-NOTES.md, "Back-propagation worked example": the interpreter reproduces the hand-derived
// forward values and gradients to 8 decimals.

const backprop = () =>
  sequential(
    input([2]),
    dense(2, { activation: "sigmoid", useBias: false, kernel: [[0.3, 0.4], [0.25, 0.35]] }),
    dense(2, { activation: "sigmoid", useBias: false, kernel: [[0.45, 0.7], [0.4, 0.6]] }),
  ).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.5 }) }).ir;

const x = Float64Array.of(0.1, 0.2);
const y = Float64Array.of(0.4, 0.6);
const options = { training: true };

/** The seed's weights by name, at their place in the Keras kernels (laid out [in, out]). */
const WEIGHTS = {
  w1: ["dense_kernel", 0],
  w3: ["dense_kernel", 1],
  w2: ["dense_kernel", 2],
  w4: ["dense_kernel", 3],
  w5: ["dense_1_kernel", 0],
  w7: ["dense_1_kernel", 1],
  w6: ["dense_1_kernel", 2],
  w8: ["dense_1_kernel", 3],
} as const;

const BEFORE = { w1: 0.3, w2: 0.25, w3: 0.4, w4: 0.35, w5: 0.45, w6: 0.4, w7: 0.7, w8: 0.6 };
const AFTER = { w1: 0.29959556, w2: 0.24919112, w3: 0.39964496, w4: 0.34928991, w5: 0.43703857, w6: 0.38685205, w7: 0.69629578, w8: 0.59624247 };

/** |a - b| <= 5e-9 (agreement to 8 decimals), with room for the float64 of the rounded value. */
const expectEightDecimals = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(5e-9 + 1e-15);

describe("interpreter: the seed's back-propagation example", () => {
  const ir = backprop();
  const params = randomParams(ir, 1);

  it("forward values: h1, h2, o1, o2 and the pre-activations", () => {
    const values = forward(ir, params, [x], 1, options);
    const [z1, z2] = values.get("dense_matmul")!;
    const [h1, h2] = values.get("dense_out")!;
    const [z3, z4] = values.get("dense_1_matmul")!;
    const [o1, o2] = values.get("dense_1_out")!;
    expectEightDecimals(z1!, 0.08);
    expectEightDecimals(z2!, 0.11);
    expectEightDecimals(h1!, 0.51998934);
    expectEightDecimals(h2!, 0.5274723);
    expectEightDecimals(z3!, 0.44498412);
    expectEightDecimals(z4!, 0.68047592);
    expectEightDecimals(o1!, 0.609446);
    expectEightDecimals(o2!, 0.66384491);
  });

  it("E_total = 0.02397190 (meanSquaredError = 1/2 * sum over the 2 outputs)", () => {
    const values = forward(ir, params, [x], 1, options);
    const [o1, o2] = values.get("dense_1_out")!;
    expectEightDecimals(0.5 * (0.4 - o1!) ** 2, 0.02193381);
    expectEightDecimals(0.5 * (0.6 - o2!) ** 2, 0.00203809);
    expectEightDecimals(lossValue(ir, values, y, 1, params), 0.0239719);
  });

  it("dE/dw5 = 0.02592286 and the seven others, (w_before - w_after) / 0.5, to 1e-8", () => {
    const { grads, loss } = gradients(ir, params, [x], y, 1, options);
    expectEightDecimals(loss, 0.0239719);
    expect(Math.abs(grads.get("dense_1_kernel")![0]! - 0.02592286)).toBeLessThanOrEqual(5e-9);
    for (const [w, [name, index]] of Object.entries(WEIGHTS)) {
      const key = w as keyof typeof BEFORE;
      const expected = (BEFORE[key] - AFTER[key]) / 0.5;
      // The seed's weights are rounded to 8 decimals, so the derived gradients hold to 1e-8.
      expect(Math.abs(grads.get(name)![index]! - expected), w).toBeLessThanOrEqual(1e-8 + 1e-15);
    }
  });

  it("one SGD step (lr 0.5) gives the seed's weights and E_total = 0.02323634", () => {
    const { grads } = gradients(ir, params, [x], y, 1, options);
    const stepped = new Map([...params].map(([name, w]) => [name, w.map((v, i) => v - 0.5 * grads.get(name)![i]!)]));
    for (const [w, [name, index]] of Object.entries(WEIGHTS)) expectEightDecimals(stepped.get(name)![index]!, AFTER[w as keyof typeof AFTER]);
    expectEightDecimals(lossValue(ir, forward(ir, stepped, [x], 1, options), y, 1, stepped), 0.02323634);
  });
});
