import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { zlibCrc32 } from "../support/zlib-crc32";
import { adam, dense, input, sequential, sgd } from "typegrad/dsl";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/safetensors";
import { modelCheckpoint } from "../../runtime/callbacks";
import { liveModel, liveModelClass } from "../support/live-model";
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

  it("refuses weights saved before the architecture changed, naming the first weight that differs", () => {
    const small = liveModel(sequential(input([3]), dense(2)).compile({ loss: "meanSquaredError", optimizer: adam() }));
    const wider = liveModel(sequential(input([3]), dense(4)).compile({ loss: "meanSquaredError", optimizer: adam() }));
    expect(() => wider.fromBytes(small.toBytes(), "small.safetensors")).toThrow(
      'small.safetensors: its weights do not fit Live (their names or shapes changed since it was saved): weight 1 is "dense_kernel" [3, 2] in the file, "dense_kernel" [3, 4] in Live',
    );
  });

  it("modelCheckpoint saves after each epoch", () => {
    const every = join(dir, "every-{epoch}.safetensors");
    new XorNet().fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [modelCheckpoint({ path: every, monitor: "loss" })] });
    expect(readdirSync(dir).filter((f) => f.startsWith("every-")).sort()).toEqual(["every-1.safetensors", "every-2.safetensors", "every-3.safetensors"]);
  });

  describe("modelCheckpoint with saveBestOnly", () => {
    // One weight w (from 0) fitted to y = x on x = 1 by SGD at lr 0.25 halves its distance to 1 each
    // epoch: 0.5, 0.75, 0.875, 0.9375, 0.96875, ... Validated on y = 0.8x, val_loss = (w - 0.8)² is
    // 0.09, 0.0025, 0.005625, 0.01890625, 0.0284765625, ...: the best epoch is the second, not the last.
    const OneWeight = liveModelClass(sequential(input([1]), dense(1, { useBias: false, kernel: [[0]] })).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 0.25 }) }));
    const fit = (net: InstanceType<typeof OneWeight>, epochs: number, callback: ReturnType<typeof modelCheckpoint>) =>
      net.fit([[1]], [[1]], { epochs, batchSize: 1, verbose: 0, validationData: [[[1]], [[0.8]]], callbacks: [callback] });
    const savedWeight = (path: string) => liveModelWeights(path, new OneWeight())[0]![0];

    it("keeps the best epoch's weights, not the last's, and writes only on an improvement", () => {
      const net = new OneWeight();
      fit(net, 4, modelCheckpoint({ path: join(dir, "one-{epoch}.safetensors"), saveBestOnly: true }));
      expect(readdirSync(dir).filter((f) => f.startsWith("one-")).sort()).toEqual(["one-1.safetensors", "one-2.safetensors"]);
      expect(savedWeight(join(dir, "one-2.safetensors"))).toBe(0.75);
      expect(net.getWeights()[0]![0]).toBe(0.9375);
    });

    it("keeps its best from one fit to the next, as Keras' ModelCheckpoint", () => {
      const path = join(dir, "kept.safetensors");
      const callback = modelCheckpoint({ path, saveBestOnly: true });
      const net = new OneWeight();
      fit(net, 4, callback);
      expect(savedWeight(path)).toBe(0.75);
      // The next fit's val_loss (0.0285, 0.0336, ...) never beats 0.0025: the file stays.
      fit(net, 2, callback);
      expect(net.getWeights()[0]![0]).toBe(0.984375);
      expect(savedWeight(path)).toBe(0.75);
    });

    it("watches upwards in mode max", () => {
      const path = join(dir, "max.safetensors");
      fit(new OneWeight(), 4, modelCheckpoint({ path, saveBestOnly: true, mode: "max" }));
      expect(savedWeight(path)).toBe(0.5);
    });

    it("saves anyway, with a warning, when the monitored value is not logged (Keras)", () => {
      const path = join(dir, "unmonitored.safetensors");
      const lines: string[] = [];
      const warn = vi.spyOn(console, "warn").mockImplementation((line: string) => void lines.push(line));
      try {
        fit(new OneWeight(), 3, modelCheckpoint({ path, monitor: "val_mae", mode: "min", saveBestOnly: true }));
      } finally {
        warn.mockRestore();
      }
      expect(savedWeight(path)).toBe(0.875);
      expect(lines).toEqual(new Array(3).fill('modelCheckpoint: "val_mae" is not among the logged values (loss, val_loss); saving anyway'));
    });
  });
});

/** The safetensors header of a file's bytes, and where its data starts. */
function headerOf(bytes: Uint8Array): { header: Record<string, any>; dataStart: number } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))), dataStart: 8 + length };
}

describe("weights files a user can trust", () => {
  const trained = () => {
    const net = new XorNet();
    net.fit(x, y, { epochs: 20, batchSize: 4, verbose: 0 });
    return net;
  };

  it("carry zlib's CRC-32 of each tensor, and a flipped byte anywhere in the data is refused naming the file and the tensor", () => {
    const bytes = trained().toBytes();
    const { header, dataStart } = headerOf(bytes);
    const sums = JSON.parse(header.__metadata__.crc32);
    const names = Object.keys(header).filter((k) => k !== "__metadata__");
    expect(names).toContain("optimizer/momentum/0");
    for (const name of names) {
      const [begin, end] = header[name].data_offsets;
      expect(sums[name], name).toBe(zlibCrc32(bytes.subarray(dataStart + begin, dataStart + end)).toString(16).padStart(8, "0"));
    }
    const path = join(dir, "flipped.safetensors");
    for (let at = dataStart; at < bytes.length; at++) {
      const owner = names.find((name) => header[name].data_offsets[0] <= at - dataStart && at - dataStart < header[name].data_offsets[1]);
      const flipped = bytes.slice();
      flipped[at] ^= 1 << (at % 8);
      writeFileSync(path, flipped);
      expect(() => XorNet.load(path), `byte ${at}`).toThrow(`${path}: tensor "${owner}" is corrupted`);
    }
  });

  it("still load when written before the checksum (a file made here the old way)", () => {
    const net = trained();
    const { tensors } = decodeSafetensors(net.toBytes());
    // What typegrad 0.1.0 wrote: no crc32, the model's IR hash in the metadata.
    const old = encodeSafetensors(tensors, { format: "typegrad", model: "XorNet", ir_hash: net.hash, typegrad_version: "0.1.0" });
    expect(headerOf(old).header.__metadata__.crc32).toBeUndefined();
    const path = join(dir, "old.safetensors");
    writeFileSync(path, old);
    const loaded = XorNet.load(path);
    expect(loaded.getWeights()).toEqual(net.getWeights());
    // The optimiser state came along: training goes on exactly as the original's.
    loaded.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    net.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expect(loaded.getWeights()).toEqual(net.getWeights());
  });

  const net = (config: { learningRate?: number; loss?: "meanSquaredError" | "meanAbsoluteError"; metrics?: "mae"[]; optimizer?: "adam" | "sgd0" }) =>
    liveModel(
      sequential(input([3]), dense(4, "tanh"), dense(1)).compile({
        loss: config.loss ?? "meanSquaredError",
        optimizer: config.optimizer === "adam" ? adam() : sgd({ learningRate: config.learningRate ?? 0.1, momentum: config.optimizer === "sgd0" ? 0 : 0.9 }),
        metrics: config.metrics ?? [],
      }),
    );
  const data = Array.from({ length: 16 }, (_, i) => [Math.sin(i), Math.cos(i), (i % 5) / 5]);
  const targets = data.map(([a, b, c]) => [a! - b! + c!]);
  const optimizerState = (bytes: Uint8Array) =>
    Object.fromEntries(decodeSafetensors(bytes).tensors.filter((t) => t.name.startsWith("optimizer/")).map((t) => [t.name, Array.from(t.data)]));

  it("load into a model compiled with another learning rate, loss or metric, optimizer state included", () => {
    const base = net({});
    base.fit(data, targets, { epochs: 5, batchSize: 4, verbose: 0 });
    const bytes = base.toBytes();
    expect(optimizerState(bytes)["optimizer/iterations"]).toEqual([20]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      for (const config of [{ learningRate: 0.01 }, { loss: "meanAbsoluteError" as const }, { metrics: ["mae" as const] }]) {
        const other = net(config);
        expect(other.hash, JSON.stringify(config)).not.toBe(base.hash); // the IR changed, so the old rule refused
        other.fromBytes(bytes, "base.safetensors");
        expect(other.getWeights()).toEqual(base.getWeights());
        expect(optimizerState(other.toBytes())).toEqual(optimizerState(bytes));
      }
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("leave the optimizer state out, with one line saying why, when the optimizer changed", () => {
    const base = net({});
    base.fit(data, targets, { epochs: 5, batchSize: 4, verbose: 0 });
    const bytes = base.toBytes();
    const lines: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((line: string) => void lines.push(line));
    try {
      const withAdam = net({ optimizer: "adam" });
      withAdam.fromBytes(bytes, "base.safetensors");
      expect(withAdam.getWeights()).toEqual(base.getWeights());
      expect(optimizerState(withAdam.toBytes())["optimizer/iterations"]).toEqual([0]);
      const plainSgd = net({ optimizer: "sgd0" }); // sgd still, but without momentum: no slot to restore
      plainSgd.fromBytes(bytes, "base.safetensors");
      expect(plainSgd.getWeights()).toEqual(base.getWeights());
    } finally {
      warn.mockRestore();
    }
    expect(lines).toEqual([
      "base.safetensors: optimizer state left out (it was saved for sgd, this model trains with adam); Live's adam starts afresh",
      "base.safetensors: optimizer state left out (sgd state: unexpected entry momentum/0 (saved with another optimizer or another model?)); Live's sgd starts afresh",
    ]);
  });

  it("refuse only a change of the weights' names or shapes, naming the first weight that differs", () => {
    const bytes = net({}).toBytes();
    const compile = { loss: "meanSquaredError", optimizer: sgd() } as const;
    const deeper = liveModel(sequential(input([3]), dense(4, "tanh"), dense(1), dense(1)).compile(compile));
    expect(() => deeper.fromBytes(bytes, "f")).toThrow('f: its weights do not fit Live (their names or shapes changed since it was saved): weight 5 is nothing in the file, "dense_2_kernel" [1, 1] in Live');
    const noBias = liveModel(sequential(input([3]), dense(4, "tanh"), dense(1, { useBias: false })).compile(compile));
    expect(() => noBias.fromBytes(bytes, "f")).toThrow('weight 4 is "dense_1_bias" [1] in the file, nothing in Live');
    const wider = liveModel(sequential(input([3]), dense(5, "tanh"), dense(1)).compile(compile));
    expect(() => wider.fromBytes(bytes, "f")).toThrow('weight 1 is "dense_kernel" [3, 4] in the file, "dense_kernel" [3, 5] in Live');
  });

  it("refuse a hand-made file whose metadata is right but whose kernel is transposed ([3, 2] for [2, 3])", () => {
    const model = liveModel(sequential(input([2]), dense(3)).compile({ loss: "meanSquaredError", optimizer: sgd() }));
    const before = model.getWeights();
    // The model's own name and IR hash, the right tensor names and sizes: only the kernel's shape is wrong.
    const tensors = [
      { name: "dense_kernel", shape: [3, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
      { name: "dense_bias", shape: [3], data: Float32Array.of(7, 8, 9) },
    ];
    const bytes = encodeSafetensors(tensors, { format: "typegrad", model: "Live", ir_hash: model.hash, typegrad_version: "0.1.0" }, { checksums: true });
    expect(() => model.fromBytes(bytes, "transposed.safetensors")).toThrow(
      'transposed.safetensors: its weights do not fit Live (their names or shapes changed since it was saved): weight 1 is "dense_kernel" [3, 2] in the file, "dense_kernel" [2, 3] in Live',
    );
    expect(model.getWeights()).toEqual(before);
    // The same file with the kernel's shape [2, 3] loads.
    const right = encodeSafetensors([{ ...tensors[0]!, shape: [2, 3] }, tensors[1]!], { format: "typegrad", model: "Live", ir_hash: model.hash, typegrad_version: "0.1.0" }, { checksums: true });
    model.fromBytes(right, "right.safetensors");
    expect(model.getWeights().map((w) => Array.from(w))).toEqual([[1, 2, 3, 4, 5, 6], [7, 8, 9]]);
  });

  it("are never written with non-finite weights, which load would refuse", () => {
    const path = join(dir, "finite.safetensors");
    const model = liveModel(sequential(input([3]), dense(4, "tanh"), dense(1)).compile({ loss: "meanSquaredError", optimizer: sgd({ learningRate: 1e38 }) }));
    model.save(path);
    const before = model.getWeights();
    // One step of a learning rate of 1e38 on targets near 1000: the loss and gradients are finite,
    // the updated weights overflow float32.
    expect(Number.isFinite(model.trainOnBatch(data, targets.map(([t]) => [1000 + t!])) as number)).toBe(true);
    const infinite = model.getWeights().flatMap((w) => Array.from(w)).filter((v) => !Number.isFinite(v));
    expect(infinite.length).toBeGreaterThan(0);
    expect(() => model.save(path)).toThrow(/^Live: weight "dense(_1)?_(kernel|bias)" holds -?Infinity at index \d+; a file of non-finite weights would not load, so none is written$/);
    expect(() => model.toBytes()).toThrow(/a file of non-finite weights would not load/);
    // The file saved before is untouched, and nothing else was left behind.
    expect(liveModelWeights(path, model)).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});

/** The weights of a file, read with the model's own rules (a fresh instance of its class). */
function liveModelWeights(path: string, model: { constructor: unknown }): Float32Array[] {
  const fresh = new (model.constructor as new () => { fromBytes(bytes: Uint8Array, what: string): void; getWeights(): Float32Array[] })();
  fresh.fromBytes(new Uint8Array(readFileSync(path)), path);
  return fresh.getWeights();
}
