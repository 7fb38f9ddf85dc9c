import { describe, expect, it } from "vitest";
import { dense, input, sequential } from "../../dsl/index";
import { backprop, mlpLayers } from "./support/models";
import { nodeById, nodesOf, paramNode } from "./support/ir-checks";

// The Sequential style, on the seed's back-propagation network (SEED-NOTES) and its MLP exercise.

describe("sequential IR: the seed's back-propagation network", () => {
  const ir = backprop().ir;

  it("is named sequential and has one float32 input of 2 features, not sparse", () => {
    expect(ir.name).toBe("sequential");
    expect(ir.inputs).toHaveLength(1);
    expect(ir.inputs[0]).toMatchObject({ shape: [2], dtype: "float32", sparse: false });
    expect(nodeById(ir, ir.inputs[0]!.node).op).toBe("input");
  });

  it("has exactly two kernels and no bias (useBias: false)", () => {
    expect(ir.params.map((p) => p.name)).toEqual(["dense_kernel", "dense_1_kernel"]);
    expect(ir.params.map((p) => p.shape)).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(nodesOf(ir, "biasAdd")).toHaveLength(0);
    expect(ir.params.every((p) => p.trainable && p.regularizer === null)).toBe(true);
  });

  it("stores the explicit kernels row-major in Keras' [in, out] layout", () => {
    // kernel[i][j] connects input i to unit j: z1 = w1*x1 + w2*x2 puts w1=0.3 at [0][0] and w2=0.25 at
    // [1][0]; z2 = w3*x1 + w4*x2 puts w3=0.4 at [0][1], w4=0.35 at [1][1]. Row-major: w1, w3, w2, w4.
    expect(ir.params[0]!.initializer).toEqual({ name: "values", values: [0.3, 0.4, 0.25, 0.35] });
    // z3 = w5*h1 + w6*h2 (w5=0.45, w6=0.4), z4 = w7*h1 + w8*h2 (w7=0.7, w8=0.6): w5, w7, w6, w8.
    expect(ir.params[1]!.initializer).toEqual({ name: "values", values: [0.45, 0.7, 0.4, 0.6] });
  });

  it("computes sigmoid(x . kernel) twice: input, matmul, sigmoid, matmul, sigmoid", () => {
    const compute = ir.nodes.filter((n) => n.op !== "param").map((n) => n.op);
    expect(compute).toEqual(["input", "matmul", "sigmoid", "matmul", "sigmoid"]);
    const [m1, s1, m2, s2] = ir.nodes.filter((n) => n.op === "matmul" || n.op === "sigmoid");
    expect(m1!.inputs).toEqual([ir.inputs[0]!.node, paramNode(ir, "dense_kernel").id]);
    expect(s1!.inputs).toEqual([m1!.id]);
    expect(m2!.inputs).toEqual([s1!.id, paramNode(ir, "dense_1_kernel").id]);
    expect(s2!.inputs).toEqual([m2!.id]);
    expect(ir.outputs).toEqual([s2!.id]);
    for (const n of [m1, s1, m2, s2]) expect(n!.shape).toEqual([2]);
  });

  it("keeps the loss and SGD with learning rate 0.5 (momentum 0, no Nesterov)", () => {
    expect(ir.training).toEqual({
      loss: "meanSquaredError",
      optimizer: { name: "sgd", learningRate: 0.5, momentum: 0, nesterov: false },
      metrics: [],
    });
  });

  it("names layers dense, dense_1 in order", () => {
    expect(ir.layers.filter((l) => l.type === "Dense").map((l) => [l.name, l.params])).toEqual([
      ["dense", ["dense_kernel"]],
      ["dense_1", ["dense_1_kernel"]],
    ]);
  });
});

describe("sequential IR: the seed's MLP (10000 -> 256 -> 128 -> 20)", () => {
  const ir = mlpLayers().toIR();

  it("lists weights in Keras order, kernel then bias per layer, with default initialisers", () => {
    expect(ir.params.map((p) => [p.name, p.shape, p.initializer.name])).toEqual([
      ["dense_kernel", [10000, 256], "glorotUniform"],
      ["dense_bias", [256], "zeros"],
      ["dense_1_kernel", [256, 128], "glorotUniform"],
      ["dense_1_bias", [128], "zeros"],
      ["dense_2_kernel", [128, 20], "glorotUniform"],
      ["dense_2_bias", [20], "zeros"],
    ]);
  });

  it("has per-example shapes (no batch dimension) and the dropout rate on its nodes", () => {
    const compute = ir.nodes.filter((n) => n.op !== "param").map((n) => [n.op, n.shape]);
    expect(compute).toEqual([
      ["input", [10000]],
      ["matmul", [256]],
      ["biasAdd", [256]],
      ["relu", [256]],
      ["dropout", [256]],
      ["matmul", [128]],
      ["biasAdd", [128]],
      ["relu", [128]],
      ["dropout", [128]],
      ["matmul", [20]],
      ["biasAdd", [20]],
      ["softmax", [20]],
    ]);
    expect(nodesOf(ir, "dropout").map((n) => n.attrs.rate)).toEqual([0.5, 0.5]);
    expect(ir.layers.filter((l) => l.type === "Dropout").map((l) => l.name)).toEqual(["dropout", "dropout_1"]);
  });

  it("has no training config before compile(), and the default seed", () => {
    expect(ir.training).toBeNull();
    expect(Number.isInteger(ir.seed)).toBe(true);
  });
});

describe("sequential IR: dense options", () => {
  it("a linear dense ends in biasAdd: no activation node", () => {
    const ir = sequential(input([3]), dense(2)).toIR();
    expect(ir.nodes.filter((n) => n.op !== "param").map((n) => n.op)).toEqual(["input", "matmul", "biasAdd"]);
    expect(nodeById(ir, ir.outputs[0]!).op).toBe("biasAdd");
  });

  it("explicit bias values and initialiser names reach the params", () => {
    const ir = sequential(input([3]), dense(2, { bias: [0.5, -1], kernelInitializer: "heNormal" })).toIR();
    expect(ir.params.map((p) => p.initializer)).toEqual([{ name: "heNormal" }, { name: "values", values: [0.5, -1] }]);
  });

  it("trainable: false freezes both kernel and bias", () => {
    const ir = sequential(input([3]), dense(2, { trainable: false }), dense(1)).toIR();
    expect(ir.params.map((p) => [p.name, p.trainable])).toEqual([
      ["dense_kernel", false],
      ["dense_bias", false],
      ["dense_1_kernel", true],
      ["dense_1_bias", true],
    ]);
  });

  it("dense on a [T, F] input maps the last axis: [5, 3] -> [5, 2]", () => {
    const ir = sequential(input([5, 3]), dense(2, "tanh")).toIR();
    expect(ir.params[0]!.shape).toEqual([3, 2]);
    expect(nodeById(ir, ir.outputs[0]!)).toMatchObject({ op: "tanh", shape: [5, 2] });
  });

  it("leakyRelu carries Keras' default alpha 0.2", () => {
    const ir = sequential(input([3]), dense(2, "leakyRelu")).toIR();
    expect(nodesOf(ir, "leakyRelu")[0]!.attrs).toEqual({ alpha: 0.2 });
  });
});
