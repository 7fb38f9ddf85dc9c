import { describe, expect, it } from "vitest";
import { dense, embedding, flatten, Module, type Tensor } from "../../dsl/index";
import { TinyNet, tiny } from "./support/models";
import { nodeById, nodesOf, paramNamed, paramNode } from "./support/ir-checks";
import { messageOf } from "./support/plain-js";

// The subclassing style, on DESIGN.md's TinyNet: softmax(add(matmul(hidden(x), w), b)).

describe("Module IR: TinyNet built with new TinyNet([4], [3])", () => {
  const ir = tiny().ir;

  it("is named after the class, with one [4] input and a [3] softmax output", () => {
    expect(ir.name).toBe("TinyNet");
    expect(ir.inputs.map((i) => [i.shape, i.dtype])).toEqual([[[4], "float32"]]);
    expect(nodeById(ir, ir.outputs[0]!)).toMatchObject({ op: "softmax", shape: [3] });
  });

  it("names weights after the properties holding them: w, b, and hidden_kernel / hidden_bias", () => {
    expect([...ir.params.map((p) => p.name)].sort()).toEqual(["b", "hidden_bias", "hidden_kernel", "w"]);
    expect(paramNamed(ir, "w")).toMatchObject({ shape: [4, 3], initializer: { name: "glorotUniform" }, trainable: true });
    expect(paramNamed(ir, "b")).toMatchObject({ shape: [3], initializer: { name: "zeros" }, trainable: true });
    expect(paramNamed(ir, "hidden_kernel")).toMatchObject({ shape: [4, 4], initializer: { name: "glorotUniform" } });
    expect(paramNamed(ir, "hidden_bias")).toMatchObject({ shape: [4], initializer: { name: "zeros" } });
    const names = ir.params.map((p) => p.name);
    expect(names.indexOf("hidden_kernel")).toBeLessThan(names.indexOf("hidden_bias"));
    expect(ir.layers.find((l) => l.name === "hidden")).toMatchObject({ type: "Dense", params: ["hidden_kernel", "hidden_bias"] });
  });

  it("lists weights as Keras lists a subclassed model's: its own variables, then its layers', in property order", () => {
    // Keras 3 Layer.weights: self._trainable_variables + self._non_trainable_variables, then each
    // tracked layer's weights; here w and b are the model's own, hidden its layer.
    expect(ir.params.map((p) => p.name)).toEqual(["w", "b", "hidden_kernel", "hidden_bias"]);
  });

  it("wires hidden(x) . w + b through softmax", () => {
    const relu = nodesOf(ir, "relu").find((n) => n.layer === "hidden")!;
    const matmul = nodesOf(ir, "matmul").find((n) => n.inputs.includes(paramNode(ir, "w").id))!;
    expect(matmul.inputs).toEqual([relu.id, paramNode(ir, "w").id]);
    expect(matmul.shape).toEqual([3]);
    const sum = nodesOf(ir, "add")[0]!;
    expect(sum.inputs).toEqual([matmul.id, paramNode(ir, "b").id]);
    expect(nodeById(ir, ir.outputs[0]!).inputs).toEqual([sum.id]);
  });

  it("keeps the compile config (categorical crossentropy, adam())", () => {
    expect(ir.training?.loss).toBe("categoricalCrossentropy");
    expect(ir.training?.optimizer).toEqual({ name: "adam", learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  });

  it("two instances give the same IR", () => {
    expect(tiny().ir).toEqual(ir);
  });
});

describe("Module without constructor shapes", () => {
  it("reading .ir throws a message pointing at typegrad gen", () => {
    const compiled = new TinyNet().compile({ loss: "categoricalCrossentropy" });
    const message = messageOf(() => compiled.ir);
    expect(message).toMatch(/TinyNet/);
    expect(message).toMatch(/typegrad gen/);
  });

  it("says it needs the shapes from the types, and builds once given them", () => {
    const compiled = new TinyNet().compile({ loss: "categoricalCrossentropy" });
    expect(compiled.needsShapesFromTypes).toBe(true);
    const ir = compiled.buildWithShapes!([4], [3], "float32");
    expect(ir.inputs[0]!.shape).toEqual([4]);
    expect(nodeById(ir, ir.outputs[0]!).shape).toEqual([3]);
    // The same IR as when the constructor is given the shapes.
    expect(ir).toEqual(new TinyNet([4], [3]).compile({ loss: "categoricalCrossentropy" }).ir);
  });

  it("a Module given its shapes does not need the types", () => {
    expect(tiny().needsShapesFromTypes).toBe(false);
  });
});

describe("Module run-time checks", () => {
  it("a call returning the wrong shape names both shapes", () => {
    class Bad extends Module<[4], [3]> {
      call(x: Tensor<[4]>): Tensor<[3]> {
        return dense(2)(x) as unknown as Tensor<[3]>; // what plain JavaScript would do
      }
    }
    expect(messageOf(() => new Bad([4], [3]).compile({ loss: "mse" }).ir)).toBe("Module: call must return Tensor<[3]>, got Tensor<[2]>");
  });

  it("an int32 Module feeds token ids to an embedding, which yields float32", () => {
    class Bag extends Module<[6], [1], "int32"> {
      table = embedding(50, 4);
      out = dense(1, "sigmoid");
      call(ids: Tensor<[6], "int32">): Tensor<[1]> {
        return this.out(flatten(this.table(ids)));
      }
    }
    const ir = new Bag([6], [1], { dtype: "int32" }).compile({ loss: "binaryCrossentropy" }).ir;
    expect(ir.inputs[0]).toMatchObject({ shape: [6], dtype: "int32" });
    expect(paramNamed(ir, "table_embeddings").shape).toEqual([50, 4]);
    expect(nodesOf(ir, "embedding")[0]).toMatchObject({ shape: [6, 4], dtype: "float32" });
    expect(paramNamed(ir, "out_kernel").shape).toEqual([24, 1]);
  });
});
