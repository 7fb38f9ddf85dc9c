import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { adam, dense, input, sequential } from "typegrad/dsl";
import { modelCheckpoint } from "../../runtime/callbacks";
import { liveModel } from "../support/live-model";
import { Backprop } from "../../examples/backprop/backprop.gen";
import { XorNet } from "../../examples/xor/xor.gen";

// getWeights/setWeights in Keras order, and weights files: round trips, atomic writes, refusals.

const dir = mkdtempSync(join(tmpdir(), "typegrad-weights-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [[0], [1], [1], [0]];

describe("weights", () => {
  it("getWeights lists kernels row-major [in, out] then biases, in layer order", () => {
    const [hidden, output] = new Backprop().getWeights();
    expect(Array.from(hidden!)).toEqual([0.3, 0.4, 0.25, 0.35].map((v) => Math.fround(v)));
    expect(Array.from(output!)).toEqual([0.45, 0.7, 0.4, 0.6].map((v) => Math.fround(v)));
    expect(new XorNet().getWeights().map((w) => w.length)).toEqual([16, 8, 8, 1]);
  });

  it("setWeights checks the count and the sizes", () => {
    const net = new XorNet();
    expect(() => net.setWeights([new Float32Array(16)])).toThrow("setWeights: the model has 4 weights, got 1");
    expect(() => net.setWeights([new Float32Array(15), new Float32Array(8), new Float32Array(8), new Float32Array(1)])).toThrow(
      "setWeights: dense_kernel has shape [2, 8] (16 numbers), got 15",
    );
  });

  it("save then load gives the same predictions and optimiser state, and training continues identically", () => {
    const a = new XorNet();
    a.fit(x, y, { epochs: 50, batchSize: 4, verbose: 0 });
    const path = join(dir, "xor.safetensors");
    a.save(path);
    const b = XorNet.load(path);
    expect(b.predict(x)).toEqual(a.predict(x));
    a.fit(x, y, { epochs: 5, batchSize: 4, shuffle: false, verbose: 0 });
    b.fit(x, y, { epochs: 5, batchSize: 4, shuffle: false, verbose: 0 });
    expect(b.getWeights()).toEqual(a.getWeights());
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("refuses a truncated file, a corrupted one, and one written for another model", () => {
    const path = join(dir, "good.safetensors");
    new XorNet().save(path);
    const bytes = new Uint8Array(readFileSync(path));
    writeFileSync(join(dir, "truncated.safetensors"), bytes.subarray(0, bytes.length - 10));
    expect(() => XorNet.load(join(dir, "truncated.safetensors"))).toThrow(/truncated/);
    const corrupted = bytes.slice();
    corrupted[12] = 0x7b;
    corrupted[13] = 0x7b;
    writeFileSync(join(dir, "corrupted.safetensors"), corrupted);
    expect(() => XorNet.load(join(dir, "corrupted.safetensors"))).toThrow(/not (a )?valid/);
    const other = join(dir, "other.safetensors");
    new Backprop().save(other);
    expect(() => XorNet.load(other)).toThrow(/holds weights of model "Backprop", not "XorNet"/);
    expect(() => XorNet.load(join(dir, "missing.safetensors"))).toThrow(/cannot read/);
  });

  it("refuses weights saved before the architecture changed", () => {
    const small = liveModel(sequential(input([3]), dense(2)).compile({ loss: "meanSquaredError", optimizer: adam() }));
    const wider = liveModel(sequential(input([3]), dense(4)).compile({ loss: "meanSquaredError", optimizer: adam() }));
    expect(() => wider.fromBytes(small.toBytes(), "small.safetensors")).toThrow(/made for another version of Live \(IR hash [0-9a-f]+, this model is [0-9a-f]+\)/);
  });

  it("modelCheckpoint saves after each epoch, or only on improvement", () => {
    const every = join(dir, "every-{epoch}.safetensors");
    new XorNet().fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [modelCheckpoint({ path: every, monitor: "loss" })] });
    expect(readdirSync(dir).filter((f) => f.startsWith("every-")).sort()).toEqual(["every-1.safetensors", "every-2.safetensors", "every-3.safetensors"]);
    const best = join(dir, "best.safetensors");
    const net = new XorNet();
    const history = net.fit(x, y, { epochs: 30, batchSize: 4, verbose: 0, callbacks: [modelCheckpoint({ path: best, monitor: "loss", saveBestOnly: true })] });
    // The loss fell all the way, so the best epoch is the last: the file holds the final weights.
    expect(history.loss.at(-1)).toBe(Math.min(...history.loss));
    expect(XorNet.load(best).getWeights()).toEqual(net.getWeights());
  });
});
