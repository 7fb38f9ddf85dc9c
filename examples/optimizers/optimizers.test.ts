import { expect, it } from "vitest";
import { interpreter } from "typegrad/codegen";
import { Random } from "typegrad/runtime";
import type { CompiledModel } from "typegrad/dsl";
import { reference } from "../../test/support/optimizer-reference";
import { main, x, y } from "./main";
import * as models from "./optimizers.model";

// Each optimiser's run against a float64 reference run of the same training: the same start
// (seed 11's weights), the same 19 batches an epoch in the order fit shuffles them (seed 11's
// "shuffle" stream, one Fisher-Yates pass an epoch over the running order), gradients by the
// float64 interpreter, updates by the float64 optimiser reference written from Keras' rules.

const EPOCHS = 20;
const BATCH = 32;

/** The epoch losses (each the example-weighted mean of its batches' losses before their steps). */
function referenceRun(compiled: CompiledModel, start: readonly Float32Array[]): number[] {
  const ir = compiled.ir;
  const optimizer = reference(ir.training!.optimizer, start.map((w) => Array.from(w)));
  const inputs = x.map((row) => row.map(Math.fround));
  const order = Int32Array.from(inputs, (_, i) => i);
  const shuffler = new Random(ir.seed).fork("shuffle");
  const losses: number[] = [];
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    shuffler.shuffle(order);
    let total = 0;
    for (let from = 0; from < order.length; from += BATCH) {
      const rows = Array.from(order.subarray(from, from + BATCH));
      const params = new Map(ir.params.map((p, k) => [p.name, Float64Array.from(optimizer.weights[k]!)]));
      const batchX = Float64Array.from(rows.flatMap((r) => inputs[r]!));
      const batchY = Float64Array.from(rows.flatMap((r) => y[r]!));
      const { loss, grads } = interpreter.gradients(ir, params, [batchX], batchY, rows.length, { training: true });
      total += loss * rows.length;
      optimizer.step(ir.params.map((p) => Array.from(grads.get(p.name)!)));
    }
    losses.push(total / order.length);
  }
  return losses;
}

it("every optimiser's epoch losses are those of a float64 reference run of its rule", () => {
  const results = main(() => {});
  const runs = { sgd: models.withSgd, momentum: models.withMomentum, adagrad: models.withAdagrad, rmsprop: models.withRmsprop, adam: models.withAdam };
  for (const [name, compiled] of Object.entries(runs)) {
    const expected = referenceRun(compiled, results[name]!.start);
    const actual = results[name]!.losses;
    // float32 against float64 over 380 steps: relative 1e-5 (they agree to about 2e-7).
    expected.forEach((loss, epoch) => expect(Math.abs(actual[epoch]! - loss), `${name} epoch ${epoch + 1}: ${actual[epoch]} vs ${loss}`).toBeLessThan(1e-5 * loss));
  }
  expect(results.momentum!.losses.at(-1)!).toBeLessThan(results.sgd!.losses.at(-1)!);
  expect(results.adam!.accuracy).toBeGreaterThan(0.85);
});
