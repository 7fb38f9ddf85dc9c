import { describe, expect, it } from "vitest";
import { add, concatenate, dense, input, model, sequential } from "../../dsl/index";
import { twoInputs } from "./support/models";
import { layerNames, nodeById, nodesOf, paramNode } from "./support/ir-checks";
import { messageOf } from "./support/plain-js";

// The Functional style, on DESIGN.md's two-input model:
//   a [64] -> dense(16) -> dense(8) = x;  b [128] -> dense(64) -> dense(32) -> dense(8) = y
//   concatenate(x, y) [16] -> dense(2, relu) -> dense(1)

describe("functional IR: the two-input model", () => {
  const ir = twoInputs().ir;

  it("has its two inputs in the order given, with their per-example shapes", () => {
    expect(ir.name).toBe("functional");
    expect(ir.inputs.map((i) => i.shape)).toEqual([[64], [128]]);
    expect(ir.inputs.map((i) => nodeById(ir, i.node).attrs.index)).toEqual([0, 1]);
    expect(ir.inputs.map((i) => nodeById(ir, i.node).op)).toEqual(["input", "input"]);
  });

  it("names the dense layers dense .. dense_6 in the order data flows (a's branch, b's branch, the head)", () => {
    expect(layerNames(ir, "Dense")).toEqual(["dense", "dense_1", "dense_2", "dense_3", "dense_4", "dense_5", "dense_6"]);
    const units = ir.layers.filter((l) => l.type === "Dense").map((l) => l.outputShapes);
    expect(units).toEqual([[[16]], [[8]], [[64]], [[32]], [[8]], [[2]], [[1]]]);
  });

  it("lists weights in Keras order: per layer, kernel [in, out] then bias [out]", () => {
    expect(ir.params.map((p) => [p.name, p.shape])).toEqual([
      ["dense_kernel", [64, 16]],
      ["dense_bias", [16]],
      ["dense_1_kernel", [16, 8]],
      ["dense_1_bias", [8]],
      ["dense_2_kernel", [128, 64]],
      ["dense_2_bias", [64]],
      ["dense_3_kernel", [64, 32]],
      ["dense_3_bias", [32]],
      ["dense_4_kernel", [32, 8]],
      ["dense_4_bias", [8]],
      ["dense_5_kernel", [16, 2]],
      ["dense_5_bias", [2]],
      ["dense_6_kernel", [2, 1]],
      ["dense_6_bias", [1]],
    ]);
  });

  it("concatenates [8] and [8] into [16], x before y", () => {
    const [concat] = nodesOf(ir, "concatenate");
    expect(nodesOf(ir, "concatenate")).toHaveLength(1);
    expect(concat!.shape).toEqual([16]);
    const [xNode, yNode] = concat!.inputs.map((id) => nodeById(ir, id));
    expect([xNode!.layer, xNode!.op, xNode!.shape]).toEqual(["dense_1", "relu", [8]]);
    expect([yNode!.layer, yNode!.op, yNode!.shape]).toEqual(["dense_4", "relu", [8]]);
    // The head reads the concatenation.
    const headMatmul = nodesOf(ir, "matmul").find((n) => n.layer === "dense_5")!;
    expect(headMatmul.inputs).toEqual([concat!.id, paramNode(ir, "dense_5_kernel").id]);
  });

  it("outputs dense_6's linear result, shape [1]", () => {
    expect(ir.outputs).toHaveLength(1);
    expect(nodeById(ir, ir.outputs[0]!)).toMatchObject({ op: "biasAdd", shape: [1], layer: "dense_6" });
  });

  it("each branch reads its own input", () => {
    const first = (layer: string) => nodesOf(ir, "matmul").find((n) => n.layer === layer)!.inputs[0];
    expect(first("dense")).toBe(ir.inputs[0]!.node);
    expect(first("dense_2")).toBe(ir.inputs[1]!.node);
  });
});

describe("functional IR: shared layers", () => {
  const a = input([3]);
  const b = input([3]);
  const shared = dense(4, "relu");
  const ir = model({ inputs: [a, b], outputs: add(shared(a), shared(b)) }).toIR();

  it("one dense applied to two inputs has one kernel and one bias, read by two matmul nodes", () => {
    expect(ir.params.map((p) => [p.name, p.shape])).toEqual([
      ["dense_kernel", [3, 4]],
      ["dense_bias", [4]],
    ]);
    const matmuls = nodesOf(ir, "matmul");
    expect(matmuls).toHaveLength(2);
    const kernel = paramNode(ir, "dense_kernel").id;
    expect(matmuls.map((m) => m.inputs)).toEqual([
      [ir.inputs[0]!.node, kernel],
      [ir.inputs[1]!.node, kernel],
    ]);
    expect(nodesOf(ir, "param")).toHaveLength(2);
  });

  it("the shared layer is one layer with one output shape per call", () => {
    const layer = ir.layers.find((l) => l.name === "dense")!;
    expect(layerNames(ir, "Dense")).toEqual(["dense"]);
    expect(layer.outputShapes).toEqual([[4], [4]]);
    expect(layer.params).toEqual(["dense_kernel", "dense_bias"]);
  });

  it("a shared layer applied to the wrong width says what it expects", () => {
    const d = dense(2);
    d(input([3]));
    // The width is fixed by the first call (Keras' build); the types cannot know it, the run-time check does.
    expect(messageOf(() => d(input([4])))).toBe("dense: expects 3 input features, got 4");
  });
});

describe("functional IR: names", () => {
  it("user-given layer and input names are kept; the rest are numbered around them", () => {
    const x = input([3], { name: "features" });
    const h = dense(4, { activation: "relu", name: "dense_1" })(x);
    const z = dense(1)(dense(2)(h));
    const ir = model({ inputs: x, outputs: z, name: "named" }).compile({ loss: "mse" }).ir;
    expect(ir.name).toBe("named");
    expect(ir.inputs[0]!.name).toBe("features");
    expect(layerNames(ir, "Dense")).toEqual(["dense_1", "dense", "dense_2"]);
    expect(ir.params.map((p) => p.name)).toEqual([
      "dense_1_kernel",
      "dense_1_bias",
      "dense_kernel",
      "dense_bias",
      "dense_2_kernel",
      "dense_2_bias",
    ]);
    expect(ir.params.map((p) => p.layer)).toEqual(["dense_1", "dense_1", "dense", "dense", "dense_2", "dense_2"]);
  });

  it("two layers with the same user name are an error naming it", () => {
    const build = () => sequential(input([2]), dense(2, { name: "hidden" }), dense(2, { name: "hidden" })).toIR();
    expect(messageOf(build)).toBe('model: two layers are named "hidden"');
  });

  it("an input and a layer with the same user name are an error too", () => {
    const x = input([2], { name: "x" });
    expect(messageOf(() => model({ inputs: x, outputs: dense(1, { name: "x" })(x) }).toIR())).toMatch(/two layers are named "x"/);
  });

  it("a layer name that is not an identifier is rejected", () => {
    expect(messageOf(() => sequential(input([2]), dense(2, { name: "my layer" })).toIR())).toMatch(/"my layer" must be an identifier/);
  });

  it("names are per model: a second model starts again at dense", () => {
    const first = sequential(input([2]), dense(2), dense(1)).toIR();
    const second = sequential(input([2]), dense(3)).toIR();
    expect(layerNames(first, "Dense")).toEqual(["dense", "dense_1"]);
    expect(layerNames(second, "Dense")).toEqual(["dense"]);
  });

  it("concatenate of three tensors sums the last axis and keeps the leading ones", () => {
    const a = input([5, 2]);
    const b = input([5, 3]);
    const c = input([5, 4]);
    const joined = concatenate(a, b, c);
    expect(joined.shape).toEqual([5, 9]);
    const ir = model({ inputs: [a, b, c], outputs: joined }).toIR();
    expect(nodesOf(ir, "concatenate")[0]!.inputs).toEqual(ir.inputs.map((i) => i.node));
  });
});
