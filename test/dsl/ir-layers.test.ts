import { describe, expect, it } from "vitest";
import {
  batchNormalization,
  dense,
  dropout,
  embedding,
  flatten,
  input,
  layerNormalization,
  lstm,
  model,
  reshape,
  sequential,
  simpleRNN,
} from "../../dsl/index";
import { nodeById, nodesOf, paramNamed } from "./support/ir-checks";

// What each layer puts in the IR: dtypes, shapes per example, weights in Keras order, attributes.

describe("dtypes and sparse inputs", () => {
  it("int32 token ids -> embedding -> float32 vectors, one per id", () => {
    const ir = sequential(input([5], { dtype: "int32" }), embedding(100, 8), flatten(), dense(1, "sigmoid")).toIR();
    expect(ir.inputs[0]).toMatchObject({ shape: [5], dtype: "int32" });
    expect(nodeById(ir, ir.inputs[0]!.node).dtype).toBe("int32");
    const lookup = nodesOf(ir, "embedding")[0]!;
    expect(lookup).toMatchObject({ shape: [5, 8], dtype: "float32", attrs: { inputDim: 100 } });
    expect(lookup.inputs[0]).toBe(ir.inputs[0]!.node); // the ids come first, then the table
    // Keras' Embedding: a [vocab, dim] table, uniform(-0.05, 0.05).
    expect(paramNamed(ir, "embedding_embeddings")).toMatchObject({
      shape: [100, 8],
      initializer: { name: "randomUniform", minval: -0.05, maxval: 0.05 },
    });
    expect(nodesOf(ir, "reshape")[0]).toMatchObject({ shape: [40], dtype: "float32", attrs: { shape: [40] } });
    expect(paramNamed(ir, "dense_kernel").shape).toEqual([40, 1]);
    // Every node after the lookup is float32.
    const after = ir.nodes.slice(ir.nodes.indexOf(lookup));
    expect(after.every((n) => n.dtype === "float32")).toBe(true);
  });

  it("reshape of int32 ids keeps int32", () => {
    const ids = input([2, 3], { dtype: "int32" });
    const flat = reshape(ids, [6]);
    expect(flat.dtype).toBe("int32");
    const ir = model({ inputs: ids, outputs: embedding(10, 2)(flat) }).toIR();
    expect(nodesOf(ir, "reshape")[0]!.dtype).toBe("int32");
  });

  it("a sparse input is flagged on the input list and on its node", () => {
    const ir = sequential(input([10000], { sparse: true }), dense(4)).toIR();
    expect(ir.inputs[0]!.sparse).toBe(true);
    expect(nodeById(ir, ir.inputs[0]!.node).attrs.sparse).toBe(true);
    const plain = sequential(input([10000]), dense(4)).toIR();
    expect(plain.inputs[0]!.sparse).toBe(false);
  });
});

describe("recurrent layers", () => {
  it("lstm(10) on [50, 1]: kernel [F, 4U], recurrent_kernel [U, 4U], bias [4U] with unit forget bias", () => {
    const ir = sequential(input([50, 1]), lstm(10)).toIR();
    // F = 1 feature, U = 10 units, 4 gates: 40 columns.
    expect(ir.params.map((p) => [p.name, p.shape])).toEqual([
      ["lstm_kernel", [1, 40]],
      ["lstm_recurrent_kernel", [10, 40]],
      ["lstm_bias", [40]],
    ]);
    expect(paramNamed(ir, "lstm_kernel").initializer).toEqual({ name: "glorotUniform" });
    expect(paramNamed(ir, "lstm_recurrent_kernel").initializer).toEqual({ name: "orthogonal", gain: 1 });
    expect(paramNamed(ir, "lstm_bias").initializer).toEqual({ name: "unitForgetBias", units: 10, base: { name: "zeros" } });
    const node = nodesOf(ir, "lstm")[0]!;
    expect(node.shape).toEqual([10]); // the last step only
    expect(node.attrs).toMatchObject({ units: 10, activation: "tanh", recurrentActivation: "sigmoid", returnSequences: false, useBias: true });
    // x, kernel, recurrent kernel, bias: the op's argument order.
    expect(node.inputs.slice(1).map((id) => nodeById(ir, id).attrs.param)).toEqual(["lstm_kernel", "lstm_recurrent_kernel", "lstm_bias"]);
  });

  it("unitForgetBias: false leaves the plain bias initialiser", () => {
    const ir = sequential(input([5, 2]), lstm(3, { unitForgetBias: false })).toIR();
    expect(paramNamed(ir, "lstm_bias").initializer).toEqual({ name: "zeros" });
  });

  it("returnSequences gives [timesteps, units]; a second recurrent layer reads it", () => {
    const ir = sequential(input([50, 1]), lstm(10, { returnSequences: true }), simpleRNN(3)).toIR();
    expect(nodesOf(ir, "lstm")[0]).toMatchObject({ shape: [50, 10], attrs: { returnSequences: true } });
    // SimpleRNN: one gate, so kernel [10, 3], recurrent [3, 3], bias [3].
    expect(ir.params.filter((p) => p.layer === "simple_rnn").map((p) => [p.name, p.shape])).toEqual([
      ["simple_rnn_kernel", [10, 3]],
      ["simple_rnn_recurrent_kernel", [3, 3]],
      ["simple_rnn_bias", [3]],
    ]);
    expect(nodesOf(ir, "simpleRNN")[0]).toMatchObject({ shape: [3], attrs: { activation: "tanh", returnSequences: false } });
  });

  it("useBias: false drops the bias weight and input", () => {
    const ir = sequential(input([4, 2]), simpleRNN(3, { useBias: false })).toIR();
    expect(ir.params.map((p) => p.name)).toEqual(["simple_rnn_kernel", "simple_rnn_recurrent_kernel"]);
    expect(nodesOf(ir, "simpleRNN")[0]!.inputs).toHaveLength(3);
    expect(nodesOf(ir, "simpleRNN")[0]!.attrs.useBias).toBe(false);
  });
});

describe("normalisation and dropout", () => {
  it("batchNormalization: gamma, beta trainable; moving_mean, moving_variance not; in that order", () => {
    const ir = sequential(input([10]), dense(64), batchNormalization()).toIR();
    const bn = ir.params.filter((p) => p.layer === "batch_normalization");
    expect(bn.map((p) => [p.name, p.shape, p.trainable, p.initializer.name])).toEqual([
      ["batch_normalization_gamma", [64], true, "ones"],
      ["batch_normalization_beta", [64], true, "zeros"],
      ["batch_normalization_moving_mean", [64], false, "zeros"],
      ["batch_normalization_moving_variance", [64], false, "ones"],
    ]);
    // Keras defaults: momentum 0.99, epsilon 1e-3.
    expect(nodesOf(ir, "batchNormalization")[0]).toMatchObject({
      shape: [64],
      attrs: { momentum: 0.99, epsilon: 1e-3, center: true, scale: true },
    });
    expect(nodesOf(ir, "batchNormalization")[0]!.inputs).toHaveLength(5);
  });

  it("batchNormalization with center and scale off keeps only the moving statistics", () => {
    const ir = sequential(input([3]), batchNormalization({ center: false, scale: false, momentum: 0.9 })).toIR();
    expect(ir.params.map((p) => p.name)).toEqual(["batch_normalization_moving_mean", "batch_normalization_moving_variance"]);
    expect(nodesOf(ir, "batchNormalization")[0]!.attrs).toMatchObject({ momentum: 0.9, center: false, scale: false });
  });

  it("layerNormalization: gamma and beta over the last axis", () => {
    const ir = sequential(input([5, 6]), layerNormalization()).toIR();
    expect(ir.params.map((p) => [p.name, p.shape, p.trainable])).toEqual([
      ["layer_normalization_gamma", [6], true],
      ["layer_normalization_beta", [6], true],
    ]);
    expect(nodesOf(ir, "layerNormalization")[0]!.shape).toEqual([5, 6]);
  });

  it("dropout is a node of its own with its rate, and keeps the shape", () => {
    const ir = sequential(input([7]), dropout(0.25)).toIR();
    expect(nodesOf(ir, "dropout")).toEqual([
      expect.objectContaining({ shape: [7], dtype: "float32", attrs: { rate: 0.25 }, inputs: [ir.inputs[0]!.node] }),
    ]);
    expect(ir.params).toEqual([]);
  });
});
