import { describe, expect, it } from "vitest";
import {
  activation,
  add,
  concatenate,
  dense,
  dropout,
  embedding,
  input,
  lstm,
  matmul,
  model,
  param,
  reshape,
  sequential,
  type AnyTensor,
} from "../../dsl/index";
import { messageOf, untyped } from "./support/plain-js";

// Plain-JavaScript callers have no type checker: the same rules run when the graph is built and
// throw an Error that names the operation and what it expected (DESIGN.md sections 1 and 4).

const compileLoose = (config: unknown) => sequential(input([3]), dense(1)).compile(config as never);

describe("layer arguments", () => {
  it("dense units must be a positive integer", () => {
    expect(messageOf(() => untyped(dense)(0))).toBe("dense: units must be a positive integer, got number 0");
    expect(messageOf(() => untyped(dense)(2.5))).toBe("dense: units must be a positive integer, got number 2.5");
    expect(messageOf(() => untyped(dense)(-3))).toMatch(/^dense: units must be a positive integer/);
    expect(messageOf(() => untyped(dense)("8"))).toMatch(/^dense: units must be a positive integer, got string 8/);
  });

  it("an unknown activation lists the known ones", () => {
    const message = messageOf(() => untyped(dense)(3, "gelu"));
    expect(message).toMatch(/^dense: unknown activation "gelu"; expected one of /);
    for (const name of ["linear", "sigmoid", "tanh", "relu", "softmax"]) expect(message).toContain(name);
    expect(messageOf(() => untyped(dense)(3, { activation: "swish" }))).toMatch(/^dense: unknown activation "swish"/);
    expect(messageOf(() => untyped(activation)("elu"))).toMatch(/^activation: unknown activation "elu"/);
    expect(messageOf(() => untyped(lstm)(4, { recurrentActivation: "hardSigmoid" }))).toMatch(/^lstm: unknown activation "hardSigmoid"/);
  });

  it("dropout rate must be in [0, 1)", () => {
    expect(messageOf(() => dropout(1))).toBe("dropout: rate must be in [0, 1), got 1");
    expect(messageOf(() => dropout(-0.1))).toBe("dropout: rate must be in [0, 1), got -0.1");
    expect(messageOf(() => dropout(NaN))).toMatch(/^dropout: rate must be in \[0, 1\)/);
    expect(() => dropout(0)).not.toThrow();
  });

  it("embedding sizes must be positive integers", () => {
    expect(messageOf(() => untyped(embedding)(0, 8))).toMatch(/^embedding: inputDim must be a positive integer/);
    expect(messageOf(() => untyped(embedding)(10, 1.5))).toMatch(/^embedding: outputDim must be a positive integer/);
  });

  it("shapes must be lists of positive integers", () => {
    expect(messageOf(() => untyped(input)([0]))).toBe("input: a shape is a list of positive integers, got [0]");
    expect(messageOf(() => untyped(input)(4))).toBe("input: a shape is a list of positive integers, got 4");
    expect(messageOf(() => untyped(param)([2, 0.5]))).toMatch(/^param: a shape is a list of positive integers/);
    expect(messageOf(() => untyped(input)([3], { dtype: "float64" }))).toMatch(/^input: dtype must be "float32" or "int32"/);
  });

  it("a layer applied to something that is not a tensor says so", () => {
    expect(messageOf(() => untyped(dense(2))([1, 2, 3]))).toBe("dense: expects a tensor, got an array");
    expect(messageOf(() => untyped(add)(input([2]), 1))).toBe("add: expects a tensor, got number 1");
  });
});

describe("explicit weights", () => {
  it("a kernel of the wrong shape names the expected [in, units] shape and the given one", () => {
    const build = (kernel: unknown) => () => sequential(input([2]), dense(2, { kernel: kernel as number[][] })).toIR();
    expect(messageOf(build([[1, 2, 3]]))).toBe("dense: kernel: values must have shape [2, 2], got [1, 3]");
    expect(messageOf(build([1, 2, 3, 4]))).toBe("dense: kernel: values must have shape [2, 2], got [4]");
    expect(messageOf(build([[1, 2], [3, 4], [5, 6]]))).toBe("dense: kernel: values must have shape [2, 2], got [3, 2]");
  });

  it("a kernel of the transposed layout is rejected ([out, in] instead of [in, out])", () => {
    // 3 inputs, 2 units: Keras' layout is [3, 2]; a PyTorch-style [2, 3] must not slip through.
    const build = () => sequential(input([3]), dense(2, { kernel: [[1, 2, 3], [4, 5, 6]] })).toIR();
    expect(messageOf(build)).toBe("dense: kernel: values must have shape [3, 2], got [2, 3]");
  });

  it("non-finite or non-numeric values are rejected", () => {
    const build = (kernel: unknown) => () => sequential(input([2]), dense(1, { kernel: kernel as number[][] })).toIR();
    expect(messageOf(build([[1], [NaN]]))).toBe("dense: kernel: values must be finite numbers");
    expect(messageOf(build([[1], ["2"]]))).toBe("dense: kernel: values must be finite numbers");
  });

  it("a bias of the wrong length, or with useBias: false", () => {
    expect(messageOf(() => sequential(input([2]), dense(2, { bias: [1, 2, 3] })).toIR())).toBe("dense: bias: values must have shape [2], got [3]");
    expect(messageOf(() => sequential(input([2]), dense(2, { useBias: false, bias: [1, 2] })).toIR())).toBe(
      "dense: bias values given with useBias: false",
    );
  });

  it("a ragged kernel is rejected even when its first row and element count fit", () => {
    // Expected [3, 2]. Rows of 2, 1 and 3 numbers: the first row has the right width and there are 6
    // numbers in all, but this is not a 3 x 2 matrix; the values would be silently re-cut into rows.
    const build = () => sequential(input([3]), dense(2, { kernel: [[1, 2], [3], [4, 5, 6]] })).toIR();
    expect(messageOf(build)).toMatch(/dense: kernel: values must have shape \[3, 2\]/);
  });

  it("an unknown initialiser name lists the known ones", () => {
    const message = messageOf(() => sequential(input([2]), dense(2, { kernelInitializer: "xavier" as never })).toIR());
    expect(message).toMatch(/^dense: kernel: unknown initializer "xavier"; expected one of /);
    expect(message).toContain("glorotUniform");
  });
});

describe("shape rules (DESIGN.md's list, at run time)", () => {
  const loose = (t: AnyTensor) => t as never;

  it("matmul: inner dimensions differ (4 vs 5)", () => {
    expect(messageOf(() => matmul(loose(input([4])), loose(param([5, 3]))))).toBe("matmul: inner dimensions differ (4 vs 5)");
  });

  it("add: shapes [8] and [16] differ", () => {
    expect(messageOf(() => add(loose(input([8])), loose(input([16]))))).toBe("add: shapes [8] and [16] differ");
  });

  it("concatenate: leading dimensions differ", () => {
    expect(messageOf(() => untyped(concatenate)(input([3, 8]), input([4, 8])))).toBe("concatenate: leading dimensions differ ([3] vs [4])");
  });

  it("dense: expects 4 input features, got 5", () => {
    expect(messageOf(() => untyped(dense(8, { inputDim: 4 }))(input([5])))).toBe("dense: expects 4 input features, got 5");
  });

  it("reshape: 24 elements cannot become 25", () => {
    expect(messageOf(() => untyped(reshape)(input([6, 4]), [5, 5]))).toBe("reshape: 24 elements cannot become 25");
  });

  it("reshape inside sequential: 256 elements cannot become 272", () => {
    expect(messageOf(() => untyped(sequential)(input([784]), dense(256), reshape([16, 17])))).toBe("reshape: 256 elements cannot become 272");
  });

  it("lstm: needs [timesteps, features], got rank 1", () => {
    expect(messageOf(() => untyped(lstm(16))(input([100])))).toBe("lstm: needs [timesteps, features], got rank 1");
  });

  it("embedding: needs int32 token ids", () => {
    expect(messageOf(() => untyped(embedding(1000, 32))(input([10])))).toBe("embedding: needs int32 token ids, got float32");
  });

  it("dense: needs float32 input, got int32", () => {
    expect(messageOf(() => untyped(dense(3))(input([10], { dtype: "int32" })))).toBe("dense: needs float32 input, got int32");
  });

  it("concatenate with one tensor (or none)", () => {
    expect(messageOf(() => untyped(concatenate)(input([2])))).toBe("concatenate: needs at least two tensors, got 1");
    expect(messageOf(() => untyped(concatenate)())).toBe("concatenate: needs at least two tensors, got 0");
  });

  it("reshape with a non-integer shape", () => {
    expect(messageOf(() => untyped(reshape)(input([5]), [2.5, 2]))).toBe("reshape: a shape is a list of positive integers, got [2.5,2]");
    expect(messageOf(() => untyped(reshape)([2.5, 2]))).toBe("reshape: a shape is a list of positive integers, got [2.5,2]");
    expect(messageOf(() => untyped(reshape)(input([5])))).toMatch(/^reshape: a shape is a list of positive integers/);
  });
});

describe("model wiring", () => {
  it("inputs that are not input() tensors", () => {
    const x = input([3]);
    const hidden = dense(2)(x);
    expect(messageOf(() => model({ inputs: hidden, outputs: dense(1)(hidden) }).compile({ loss: "mse" }))).toBe(
      "model: inputs[0] is not an input(...) tensor",
    );
    expect(messageOf(() => untyped(model)({ inputs: [3], outputs: x }))).toBe("model: expects a tensor, got number 3");
    expect(messageOf(() => untyped(model)({ inputs: [], outputs: x }))).toBe("model: needs at least one input");
  });

  it("an output that depends on an input not listed names its shape", () => {
    const a = input([3]);
    const b = input([5]);
    expect(messageOf(() => model({ inputs: a, outputs: concatenate(a, b) }).compile({ loss: "mse" }))).toBe(
      "model: the output depends on an input of shape [5] that is not among the model's inputs",
    );
  });

  it("an input listed twice", () => {
    const a = input([3]);
    expect(messageOf(() => model({ inputs: [a, a], outputs: dense(1)(a) }).toIR())).toBe("model: inputs[1] is listed twice");
  });

  it("sequential needs an input() first and layers after it", () => {
    expect(messageOf(() => untyped(sequential)(dense(2)(input([3])), dense(1)))).toBe("sequential: the first argument must be an input(...) tensor");
    expect(messageOf(() => untyped(sequential)(input([3]), dense(2), 5))).toBe("sequential: argument 3 is not a layer");
  });
});

describe("compile()", () => {
  it("an unknown loss lists the known ones", () => {
    const message = messageOf(() => compileLoose({ loss: "crossentropy" }));
    expect(message).toMatch(/^compile: unknown loss "crossentropy"; expected one of /);
    for (const name of ["meanSquaredError", "binaryCrossentropy", "categoricalCrossentropy", "sparseCategoricalCrossentropy"]) {
      expect(message).toContain(name);
    }
    expect(messageOf(() => compileLoose({}))).toMatch(/^compile: unknown loss undefined/);
  });

  it("an unknown optimizer lists the known ones", () => {
    expect(messageOf(() => compileLoose({ loss: "mse", optimizer: "nadam" }))).toBe(
      'compile: unknown optimizer "nadam"; expected one of sgd, adagrad, rmsprop, adam',
    );
    expect(messageOf(() => compileLoose({ loss: "mse", optimizer: { name: "nadam" } }))).toMatch(/^compile: optimizer must be a name or a config/);
  });

  it("an unknown metric lists the known ones", () => {
    const message = messageOf(() => compileLoose({ loss: "mse", metrics: ["f1"] }));
    expect(message).toMatch(/^compile: unknown metric "f1"; expected one of /);
    expect(message).toContain("accuracy");
    expect(messageOf(() => compileLoose({ loss: "mse", metrics: "accuracy" }))).toMatch(/^compile: metrics must be a list/);
  });

  it("no config at all", () => {
    expect(messageOf(() => compileLoose(undefined))).toBe("compile: expects { loss, optimizer, metrics }");
  });

  it("an int32 output cannot be trained", () => {
    const ids = input([4], { dtype: "int32" });
    expect(messageOf(() => model({ inputs: ids, outputs: ids }).compile({ loss: "mse" }))).toBe("compile: the model's output must be float32");
  });

  it("a hand-written optimizer config is completed or rejected, never passed on half-filled", () => {
    // { name: "adam", learningRate: 0.01 } from plain JavaScript (or a Keras habit) has no beta1, beta2
    // or epsilon; the runtime's Adam would compute with undefined (NaN weights after one step).
    let optimizer: Record<string, unknown> | undefined;
    try {
      optimizer = compileLoose({ loss: "mse", optimizer: { name: "adam", learningRate: 0.01 } }).ir.training!.optimizer as never;
    } catch (error) {
      expect((error as Error).message).toMatch(/adam/);
      return;
    }
    expect(optimizer).toMatchObject({ name: "adam", learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  });

  it("a hand-written optimizer config is checked like the factory's options", () => {
    // sgd({ learningRate: -1 }) throws; the same values as an object literal must not slip through.
    const config = { name: "sgd", learningRate: -1, momentum: 0, nesterov: false };
    expect(messageOf(() => compileLoose({ loss: "mse", optimizer: config }))).toMatch(/learningRate must be a positive number/);
  });
});
