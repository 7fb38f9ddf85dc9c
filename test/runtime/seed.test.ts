import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { adam, dense, dropout, input, sequential, sgd } from "typegrad/dsl";
import { liveModel } from "../support/live-model";
import { XorNet } from "../../examples/xor/xor.gen";
import { WithDropout } from "../../examples/overfitting/overfitting.gen";

// new Model({ seed }): one generated class, several seeds, as keras.utils.set_random_seed before
// building a model. An instance seeded so is the model compiled with that seed, bit for bit: the
// same initial weights, dropout masks and shuffles.

const dir = mkdtempSync(join(tmpdir(), "typegrad-seed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [[0], [1], [1], [0]];
const xorCompiledWith = (seed: number) =>
  liveModel(sequential(input([2]), dense(8, "tanh"), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy", optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }), metrics: ["accuracy"], seed }));

const curve = Array.from({ length: 30 }, (_, i) => [i / 10]);
const noisy = curve.map(([v], i) => [Math.sin(3 * v!) + 0.1 * Math.cos(17 * i)]);
const dropoutCompiledWith = (seed: number) =>
  liveModel(
    sequential(input([1]), dense(64, "relu"), dropout(0.5), dense(64, "relu"), dropout(0.5), dense(1)).compile({ loss: "meanSquaredError", optimizer: adam({ learningRate: 0.01 }), seed }),
  );

describe("new Model({ seed })", () => {
  it("starts from the weights of the model compiled with that seed", () => {
    expect(new XorNet({ seed: 8 }).getWeights()).toEqual(xorCompiledWith(8).getWeights());
    expect(new XorNet({ seed: 8 }).getWeights()).not.toEqual(new XorNet().getWeights());
    // The compiled seed is 7: the same as no option.
    expect(new XorNet({ seed: 7 }).getWeights()).toEqual(new XorNet().getWeights());
    expect(new XorNet({}).getWeights()).toEqual(new XorNet().getWeights());
  });

  it("trains bit for bit as the model compiled with that seed: initialisation, dropout masks and shuffles", () => {
    const options = { epochs: 5, batchSize: 8, verbose: 0 } as const;
    const a = new WithDropout({ seed: 9 });
    const b = new WithDropout({ seed: 9 });
    const compiled = dropoutCompiledWith(9);
    const history = a.fit(curve, noisy, options);
    expect(b.fit(curve, noisy, options).history).toEqual(history.history);
    expect(compiled.fit(curve, noisy, options).history).toEqual(history.history);
    expect(b.getWeights()).toEqual(a.getWeights());
    expect(compiled.getWeights()).toEqual(a.getWeights());
    // Another seed: another run.
    expect(new WithDropout({ seed: 10 }).fit(curve, noisy, options).loss).not.toEqual(history.loss);
  });

  it("gives several independent runs of one generated class", () => {
    const finals = [1, 2, 3, 4, 5].map((seed) => new XorNet({ seed }).fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 }).loss.at(-1));
    expect(new Set(finals).size).toBe(5);
    expect(finals).toEqual([1, 2, 3, 4, 5].map((seed) => xorCompiledWith(seed).fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 }).loss.at(-1)));
  });

  it("refuses a seed that is not an integer in [0, 2^32), as compile does", () => {
    for (const seed of [-1, 1.5, 2 ** 32, NaN]) expect(() => new XorNet({ seed }), String(seed)).toThrow(`XorNet: seed must be an integer in [0, 2^32), got ${seed}`);
    expect(() => new XorNet({ seed: 2 ** 32 - 1 })).not.toThrow();
  });

  it("leaves load alone: the file's weights, whatever seed made them", () => {
    const path = join(dir, "seeded.safetensors");
    const net = new XorNet({ seed: 123 });
    net.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    net.save(path);
    expect(XorNet.load(path).getWeights()).toEqual(net.getWeights());
  });
});
