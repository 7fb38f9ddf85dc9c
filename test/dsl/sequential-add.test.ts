import { describe, expect, it } from "vitest";
import { activation, dense, dropout, embedding, gru, input, lstm, sequential, simpleRNN, type CompileConfig } from "../../dsl/index";
import { lstmModel, mlp } from "./support/models";

// Keras' model.add style: the same model written with .add, from input(...), from a first layer's
// inputShape or inputDim, or from .add(input(...)), is the same IR (same hash) as the variadic form,
// so generated code and saved weights are interchangeable.

const mlpConfig: CompileConfig = { loss: "categoricalCrossentropy", optimizer: "adam", metrics: ["accuracy"] };

/** Plain JavaScript's view of sequential: no type-level argument limit. */
const untypedSequential = sequential as unknown as (...args: unknown[]) => { compile(config: CompileConfig): { hash: string } };

describe("an .add-built model has the variadic form's IR", () => {
  const variadic = mlp();

  it.each([
    ["from input(...)", () => sequential(input([10000])).add(dense(256, "relu")).add(dropout(0.5)).add(dense(128, "relu")).add(dropout(0.5)).add(dense(20, "softmax"))],
    [
      "from the first layer's inputShape (the seed's code)",
      () =>
        sequential()
          .add(dense(256, { inputShape: [10000], activation: "relu" }))
          .add(dropout(0.5))
          .add(dense(128, "relu"))
          .add(dropout(0.5))
          .add(dense(20, "softmax")),
    ],
    ["from the first layer's inputDim", () => sequential().add(dense(256, { inputDim: 10000, activation: "relu" })).add(dropout(0.5)).add(dense(128, "relu")).add(dropout(0.5)).add(dense(20, "softmax"))],
    ["from .add(input(...))", () => sequential().add(input([10000])).add(dense(256, "relu")).add(dropout(0.5)).add(dense(128, "relu")).add(dropout(0.5)).add(dense(20, "softmax"))],
    ["variadic, then .add", () => sequential(input([10000]), dense(256, "relu"), dropout(0.5)).add(dense(128, "relu")).add(dropout(0.5)).add(dense(20, "softmax"))],
  ])("the seed's MLP %s", (_, build) => {
    const added = build().compile(mlpConfig);
    expect(added.ir).toEqual(variadic.ir);
    expect(added.hash).toBe(variadic.hash);
  });

  it("the seed's RNN exercise, its LSTM given inputShape [50, 1]", () => {
    const added = sequential()
      .add(lstm(10, { inputShape: [50, 1] }))
      .add(dense(10, "relu"))
      .add(dense(1, "sigmoid"))
      .compile({ loss: "binaryCrossentropy", optimizer: "adam", metrics: ["accuracy"] });
    expect(added.hash).toBe(lstmModel().hash);
  });

  it("the seed's sentiment model: an embedding's inputShape makes an int32 input", () => {
    const config: CompileConfig = { loss: "binaryCrossentropy", optimizer: "rmsprop", metrics: ["accuracy"] };
    const added = sequential().add(embedding(10000, 32, { inputShape: [100] })).add(simpleRNN(32)).add(dense(1, "sigmoid")).compile(config);
    const listed = sequential(input([100], { dtype: "int32" }), embedding(10000, 32), simpleRNN(32), dense(1, "sigmoid")).compile(config);
    expect(added.ir.inputs).toEqual([{ name: "input", node: "input", shape: [100], dtype: "int32", sparse: false }]);
    expect(added.hash).toBe(listed.hash);
  });

  it("simpleRNN and gru take inputShape too", () => {
    const config: CompileConfig = { loss: "meanSquaredError" };
    expect(sequential().add(gru(4, { inputShape: [6, 3] })).add(dense(1)).compile(config).hash).toBe(sequential(input([6, 3]), gru(4), dense(1)).compile(config).hash);
    expect(sequential().add(simpleRNN(4, { inputShape: [6, 3] })).compile(config).hash).toBe(sequential(input([6, 3]), simpleRNN(4)).compile(config).hash);
  });

  it("a different model has a different hash (the comparison can fail)", () => {
    const wider = sequential(input([10000])).add(dense(257, "relu")).add(dropout(0.5)).add(dense(128, "relu")).add(dropout(0.5)).add(dense(20, "softmax"));
    expect(wider.compile(mlpConfig).hash).not.toBe(variadic.hash);
  });
});

describe("no limit on depth", () => {
  const stack = (n: number) => Array.from({ length: n }, (_, i) => (i % 3 === 2 ? activation("tanh") : dense(4 + (i % 5), "relu")));

  it("40 layers with .add equal the same 40 given to the variadic form in plain JavaScript", () => {
    const layers = stack(40);
    const added = layers.reduce((model, layer) => model.add(layer), sequential(input([6])).add(dense(4)));
    const again = stack(40);
    const listed = untypedSequential(input([6]), dense(4), ...again);
    const ir = added.compile({ loss: "meanSquaredError" }).ir;
    expect(ir.layers.filter((l) => l.type !== "InputLayer")).toHaveLength(41);
    expect(listed.compile({ loss: "meanSquaredError" }).hash).toBe(added.compile({ loss: "meanSquaredError" }).hash);
  });
});

describe("every .add is a model of its own", () => {
  it("adding leaves the model added to as it was: summary and compile at any point", () => {
    const hidden = sequential(input([784])).add(dense(256, "relu"));
    const classifier = hidden.add(dense(10, "softmax"));
    expect(hidden.output.shape).toEqual([256]);
    expect(classifier.output.shape).toEqual([10]);
    // 784·256 + 256 = 200,960 weights; with 256·10 + 10 = 2,570 more.
    expect(hidden.summary(false)).toContain("Total params: 200,960");
    expect(classifier.summary(false)).toContain("Total params: 203,530");
    expect(hidden.compile({ loss: "meanSquaredError" }).ir.params.map((p) => p.name)).toEqual(["dense_kernel", "dense_bias"]);
    expect(classifier.compile({ loss: "meanSquaredError" }).ir.params.map((p) => p.name)).toEqual(["dense_kernel", "dense_bias", "dense_1_kernel", "dense_1_bias"]);
  });

  it("a model of no layers summarises (no rows) but does not compile, saying why", () => {
    const bare = sequential(input([4]));
    expect(bare.summary(false)).toContain("Total params: 0");
    expect(() => (bare.compile as (config: CompileConfig) => unknown)({ loss: "meanSquaredError" })).toThrow(
      "sequential: no layers yet; .add(layer) returns a new model, so chain the calls or keep its result",
    );
  });
});

describe("what .add refuses at run time, as plain JavaScript would call it", () => {
  const loose = <T>(value: T) => value as unknown as { add(x: unknown): unknown; compile(x: unknown): unknown; summary(): unknown };

  it("a value that is not a layer", () => {
    expect(() => loose(sequential(input([4]))).add(3)).toThrow("sequential: add expects a layer, got number 3");
    expect(() => loose(sequential()).add("dense")).toThrow("sequential: add expects an input(...) tensor or a layer, got string dense");
  });

  it("an input after the model has started", () => {
    expect(() => loose(sequential(input([4]))).add(input([4]))).toThrow(
      "sequential: an input(...) can only start a model: sequential(input([...])) or sequential().add(input([...]))",
    );
  });

  it("a computed tensor as the start", () => {
    expect(() => loose(sequential()).add(dense(2)(input([3])))).toThrow("sequential: the first argument must be an input(...) tensor");
  });

  it("summary or compile before there is an input", () => {
    const sentence = "sequential: no input yet; add input([...]) or a first layer with an inputShape";
    expect(() => loose(sequential()).summary()).toThrow(sentence);
    expect(() => loose(sequential()).compile({ loss: "meanSquaredError" })).toThrow(sentence);
  });

  it("an inputShape that is not a shape", () => {
    expect(() => dense(8, { inputShape: [0] })).toThrow("dense: a shape is a list of positive integers, got [0]");
    expect(() => embedding(8, 2, { inputShape: "5" as unknown as [5] })).toThrow('embedding: a shape is a list of positive integers, got "5"');
  });

  it("inputShape is checked wherever the layer is applied, not only first", () => {
    expect(() => dense(8, { inputShape: [4] })(input([5]) as never)).toThrow("dense: expects input shape [4], got [5]");
    expect(() => lstm(3, { inputShape: [5, 2] })(input([6, 2]) as never)).toThrow("lstm: expects input shape [5, 2], got [6, 2]");
    expect(dense(8, { inputShape: [2, 4] })(input([2, 4])).shape).toEqual([2, 8]);
  });
});
