import { describe, expect, it } from "vitest";
import { adagrad, adam, dense, input, rmsprop, sequential, sgd, type CompileConfig } from "../../dsl/index";
import { messageOf } from "./support/plain-js";

// compile(): the optimiser defaults of DESIGN.md section 3 (Keras 3.x), metrics, seeds.

const compileWith = (config: CompileConfig, outputUnits = 1) =>
  sequential(input([3]), dense(outputUnits, outputUnits === 1 ? "sigmoid" : "softmax")).compile(config).ir.training!;

describe("optimiser defaults (DESIGN.md section 3)", () => {
  it('"sgd": learning rate 0.01, no momentum, no Nesterov', () => {
    expect(compileWith({ loss: "mse", optimizer: "sgd" }).optimizer).toEqual({ name: "sgd", learningRate: 0.01, momentum: 0, nesterov: false });
  });

  it('"adam": lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7', () => {
    expect(compileWith({ loss: "mse", optimizer: "adam" }).optimizer).toEqual({
      name: "adam",
      learningRate: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
  });

  it('"rmsprop": lr 1e-3, rho 0.9, epsilon 1e-7 (no momentum, not centred)', () => {
    expect(compileWith({ loss: "mse", optimizer: "rmsprop" }).optimizer).toEqual({
      name: "rmsprop",
      learningRate: 1e-3,
      rho: 0.9,
      momentum: 0,
      epsilon: 1e-7,
      centered: false,
    });
  });

  it('"adagrad": lr 1e-3, initial accumulator 0.1, epsilon 1e-7', () => {
    expect(compileWith({ loss: "mse", optimizer: "adagrad" }).optimizer).toEqual({
      name: "adagrad",
      learningRate: 1e-3,
      initialAccumulatorValue: 0.1,
      epsilon: 1e-7,
    });
  });

  it("the factory functions with no options equal the string shorthands", () => {
    expect(compileWith({ loss: "mse", optimizer: sgd() }).optimizer).toEqual(compileWith({ loss: "mse", optimizer: "sgd" }).optimizer);
    expect(compileWith({ loss: "mse", optimizer: adam() }).optimizer).toEqual(compileWith({ loss: "mse", optimizer: "adam" }).optimizer);
    expect(compileWith({ loss: "mse", optimizer: rmsprop() }).optimizer).toEqual(compileWith({ loss: "mse", optimizer: "rmsprop" }).optimizer);
    expect(compileWith({ loss: "mse", optimizer: adagrad() }).optimizer).toEqual(compileWith({ loss: "mse", optimizer: "adagrad" }).optimizer);
  });

  it("options override only what they name", () => {
    expect(compileWith({ loss: "mse", optimizer: adam({ learningRate: 0.01 }) }).optimizer).toEqual({
      name: "adam",
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
    expect(sgd({ momentum: 0.9, nesterov: true })).toEqual({ name: "sgd", learningRate: 0.01, momentum: 0.9, nesterov: true });
  });

  it("keeps clipnorm and clipvalue, and adds neither when not given", () => {
    expect(compileWith({ loss: "mse", optimizer: sgd({ clipnorm: 1 }) }).optimizer).toMatchObject({ clipnorm: 1 });
    expect(compileWith({ loss: "mse", optimizer: adam({ clipvalue: 0.5 }) }).optimizer).toMatchObject({ clipvalue: 0.5 });
    // Keras 3 refuses both at once; so does the config.
    expect(() => rmsprop({ clipnorm: 2, clipvalue: 3 })).toThrow("rmsprop: give clipnorm or clipvalue, not both");
    expect(Object.keys(compileWith({ loss: "mse", optimizer: "sgd" }).optimizer)).not.toContain("clipnorm");
    expect(Object.keys(compileWith({ loss: "mse", optimizer: "sgd" }).optimizer)).not.toContain("clipvalue");
  });

  it("rejects out-of-range hyper-parameters, naming the optimiser and the key", () => {
    expect(messageOf(() => sgd({ learningRate: 0 }))).toMatch(/^sgd: learningRate must be a positive number/);
    expect(messageOf(() => sgd({ momentum: 1 }))).toMatch(/^sgd: momentum must be in \[0, 1\)/);
    expect(messageOf(() => adam({ beta2: 1 }))).toMatch(/^adam: beta2 must be in \[0, 1\)/);
    expect(messageOf(() => rmsprop({ rho: -0.1 }))).toMatch(/^rmsprop: rho must be in \[0, 1\)/);
    expect(messageOf(() => adagrad({ initialAccumulatorValue: -1 }))).toMatch(/^adagrad: initialAccumulatorValue must be non-negative/);
    expect(messageOf(() => adam({ clipnorm: 0 }))).toMatch(/^adam: clipnorm must be a positive number/);
  });
});

describe("losses", () => {
  it("keeps the loss, and resolves Keras' short names mse and mae", () => {
    expect(compileWith({ loss: "binaryCrossentropy" }).loss).toBe("binaryCrossentropy");
    expect(compileWith({ loss: "mse" }).loss).toBe("meanSquaredError");
    expect(compileWith({ loss: "mae" }).loss).toBe("meanAbsoluteError");
  });
});

describe('metrics: "accuracy" follows the loss, as Keras', () => {
  it("binary crossentropy -> binary accuracy", () => {
    expect(compileWith({ loss: "binaryCrossentropy", metrics: ["accuracy"] }).metrics).toEqual([{ name: "accuracy", kind: "binaryAccuracy" }]);
  });

  it("categorical crossentropy -> categorical accuracy", () => {
    expect(compileWith({ loss: "categoricalCrossentropy", metrics: ["accuracy"] }, 5).metrics).toEqual([
      { name: "accuracy", kind: "categoricalAccuracy" },
    ]);
  });

  it("sparse categorical crossentropy -> sparse categorical accuracy", () => {
    expect(compileWith({ loss: "sparseCategoricalCrossentropy", metrics: ["acc"] }, 5).metrics).toEqual([
      { name: "acc", kind: "sparseCategoricalAccuracy" },
    ]);
  });

  it("other losses: binary for one output, categorical for several", () => {
    expect(compileWith({ loss: "mse", metrics: ["accuracy"] }, 1).metrics[0]!.kind).toBe("binaryAccuracy");
    expect(compileWith({ loss: "mse", metrics: ["accuracy"] }, 4).metrics[0]!.kind).toBe("categoricalAccuracy");
  });

  it("keeps the user's spelling as the name, and resolves direct metric names", () => {
    expect(compileWith({ loss: "mse", metrics: ["mae", "meanSquaredError"] }).metrics).toEqual([
      { name: "mae", kind: "meanAbsoluteError" },
      { name: "meanSquaredError", kind: "meanSquaredError" },
    ]);
  });

  it("no metrics by default", () => {
    expect(compileWith({ loss: "mse" }).metrics).toEqual([]);
  });
});

describe("seed", () => {
  const seedOf = (seed?: number) => sequential(input([3]), dense(1)).compile({ loss: "mse", ...(seed === undefined ? {} : { seed }) }).ir.seed;

  it("an explicit seed is stored, including 0", () => {
    expect(seedOf(7)).toBe(7);
    expect(seedOf(0)).toBe(0);
    expect(seedOf(2 ** 32 - 1)).toBe(2 ** 32 - 1);
  });

  it("the default seed is a fixed integer, the same for every model", () => {
    const fallback = seedOf();
    expect(Number.isInteger(fallback)).toBe(true);
    expect(sequential(input([9]), dense(4), dense(2)).compile({ loss: "mse" }).ir.seed).toBe(fallback);
    expect(sequential(input([3]), dense(1)).toIR().seed).toBe(fallback);
  });

  it("rejects seeds that are not 32-bit unsigned integers", () => {
    expect(messageOf(() => seedOf(-1))).toBe("compile: seed must be an integer in [0, 2^32), got -1");
    expect(messageOf(() => seedOf(1.5))).toMatch(/seed must be an integer in \[0, 2\^32\), got 1\.5/);
    expect(messageOf(() => seedOf(2 ** 32))).toMatch(/seed must be an integer/);
  });
});

describe("compiling is side-effect free", () => {
  it("one model compiled twice gives two independent IRs", () => {
    const m = sequential(input([3]), dense(1));
    const a = m.compile({ loss: "mse", optimizer: "sgd", seed: 1 });
    const b = m.compile({ loss: "binaryCrossentropy", optimizer: "adam", seed: 2 });
    expect([a.ir.training!.loss, a.ir.training!.optimizer.name, a.ir.seed]).toEqual(["meanSquaredError", "sgd", 1]);
    expect([b.ir.training!.loss, b.ir.training!.optimizer.name, b.ir.seed]).toEqual(["binaryCrossentropy", "adam", 2]);
    expect(a.ir.params).toEqual(b.ir.params);
  });
});
