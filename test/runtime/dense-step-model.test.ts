import { describe, expect, it } from "vitest";
import { Backprop } from "../../examples/backprop/backprop.gen";
import { FunctionalRegression } from "../../examples/linear-regression/linear-regression.gen";
import type { GeneratedModel } from "../../runtime/generated-model";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { withoutFusedStep } from "../support/without-fused-step";

// A generated dense stack trains through the fused WebAssembly step; where there is no WebAssembly,
// through its JavaScript kernels. Both must train the same model: float32 throughout, apart from
// rounding (the kernels compute in float64 and store float32; the step rounds every operation).

const usesFusedStep = (model: GeneratedModel) => (model as unknown as { denseStep: unknown }).denseStep !== null;

function expectNear(a: readonly number[], b: readonly number[], tolerance: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!), `at ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tolerance * (1 + Math.abs(b[i]!))));
}

describe.runIf(hostWasm())("generated dense stacks", () => {
  it("train through the fused step where WebAssembly runs", () => {
    expect(usesFusedStep(new Backprop())).toBe(true);
    expect(usesFusedStep(withoutFusedStep(new Backprop()))).toBe(false);
  });

  it("the seed's 2-2-2 network: the same History and weights through the fused step and the JavaScript kernels", () => {
    const x = [[0.05, 0.1], [0.3, 0.9], [0.7, 0.2], [0.5, 0.5], [0.9, 0.8]];
    const y = [[0.01, 0.99], [0.2, 0.7], [0.8, 0.1], [0.5, 0.5], [0.3, 0.6]];
    const [fused, plain] = [new Backprop(), withoutFusedStep(new Backprop())];
    for (const batchSize of [1, 2, 5]) {
      const options = { epochs: 60, batchSize, verbose: 0 as const, validationSplit: 0.2 };
      const [a, b] = [fused.fit(x, y, options), plain.fit(x, y, options)];
      expectNear(a.loss, b.loss, 1e-5);
      expectNear(a.val_loss!, b.val_loss!, 1e-5);
      expect(a.loss.at(-1)!).toBeLessThan(a.loss[0]!);
    }
    expectNear(fused.getWeights().flatMap((w) => [...w]), plain.getWeights().flatMap((w) => [...w]), 1e-5);
    expectNear(fused.predict(x).flat(), plain.predict(x).flat(), 1e-5);
  });

  it("linear regression: trainOnBatch, setWeights and save/load see the weights the fused step trains", () => {
    const x = [[1], [2], [3], [4]];
    const y = [[3], [5], [7], [9]];
    const model = new FunctionalRegression();
    model.setWeights([[0.5], [0]]);
    // by hand: outputs 0.5, 1, 1.5, 2; errors -2.5, -4, -5.5, -7; loss = (6.25 + 16 + 30.25 + 49) / 4
    expect(model.trainOnBatch(x, y)).toBeCloseTo(25.375, 5);
    const [kernel, bias] = model.getWeights().map((w) => w[0]!);
    // SGD on the gradients of that loss: dL/dw = 2·mean(error·x), dL/db = 2·mean(error)
    const lr = (model.spec.training!.optimizer as { learningRate: number }).learningRate;
    expect(kernel).toBeCloseTo(0.5 - lr * 2 * ((-2.5 * 1 - 4 * 2 - 5.5 * 3 - 7 * 4) / 4), 5);
    expect(bias).toBeCloseTo(0 - lr * 2 * ((-2.5 - 4 - 5.5 - 7) / 4), 5);
    const copy = new FunctionalRegression();
    copy.fromBytes(model.toBytes());
    expect(copy.evaluate(x, y)).toBeCloseTo(model.evaluate(x, y) as number, 6);
  });
});
