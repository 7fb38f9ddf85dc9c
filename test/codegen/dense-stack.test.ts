import { describe, expect, it } from "vitest";
import { activation, adam, concatenate, dense, dropout, input, l2, matmul, model, param, relu, sequential, sgd } from "typegrad/dsl";
import type { GraphIR } from "../../dsl/ir";
import type { CompiledModel } from "../../dsl/models/compiled-model";
import { denseStackOf, denseStepModuleMinBytes } from "../../codegen/kernels/dense-stack";
import { SYNC_COMPILE_LIMIT_BYTES } from "../../runtime/wasm/instantiate";
import type { DenseStack } from "../../runtime/dense-step/dense-stack";
import { denseStepModule } from "../../runtime/dense-step/dense-step-module";
import type { Kernels } from "../../runtime/kernels";
import { MlpBench, SeedBench, XorBench } from "../../bench/models/bench.gen";

// Which models codegen describes as a dense stack, for the runtime's fused WebAssembly step, and
// which it leaves to the JavaScript kernels alone.

const mse = { loss: "meanSquaredError" as const, optimizer: sgd({ learningRate: 0.5 }) };

const xor = () => sequential(input([2]), dense(8, "sigmoid"), dense(1, "sigmoid")).compile(mse);

const stackOf = (net: CompiledModel): DenseStack | null => denseStackOf(net.ir);

/** The model's IR with its only input changed. */
function withInput(ir: GraphIR, change: Partial<GraphIR["inputs"][number]>): GraphIR {
  return { ...ir, inputs: [{ ...ir.inputs[0]!, ...change }] };
}

describe("denseStackOf", () => {
  it("describes the XOR-like 2-8-1 sigmoid network trained on the mean squared error", () => {
    expect(stackOf(xor())).toEqual({
      inputs: 2,
      layers: [
        { units: 8, activation: "sigmoid", useBias: true },
        { units: 1, activation: "sigmoid", useBias: true },
      ],
      loss: "meanSquaredError",
    });
  });

  it("describes relu and linear layers, and layers without a bias", () => {
    const net = sequential(input([3]), dense(4, "relu"), dense(2, { useBias: false }), dense(1, { activation: "sigmoid", useBias: false })).compile(mse);
    expect(stackOf(net)).toEqual({
      inputs: 3,
      layers: [
        { units: 4, activation: "relu", useBias: true },
        { units: 2, activation: "linear", useBias: false },
        { units: 1, activation: "sigmoid", useBias: false },
      ],
      loss: "meanSquaredError",
    });
  });

  it("takes any optimiser and metrics", () => {
    const net = sequential(input([2]), dense(8, "sigmoid"), dense(1, "sigmoid")).compile({ ...mse, optimizer: adam(), metrics: ["accuracy"] });
    expect(stackOf(net)).toEqual(stackOf(xor()));
  });

  it("describes a chain written with ops: a weight multiplied in, then an activation", () => {
    const x = input([2]);
    const net = model({ inputs: x, outputs: relu(matmul(x, param([2, 3]))) }).compile(mse);
    expect(stackOf(net)).toEqual({ inputs: 2, layers: [{ units: 3, activation: "relu", useBias: false }], loss: "meanSquaredError" });
  });

  describe("is null", () => {
    const cases: [string, () => GraphIR][] = [
      ["for two inputs", () => {
        const [a, b] = [input([2]), input([3])];
        return model({ inputs: [a, b], outputs: dense(1)(concatenate(a, b)) }).compile(mse).ir;
      }],
      ["with dropout", () => sequential(input([2]), dense(8, "relu"), dropout(0.5), dense(1)).compile(mse).ir],
      ["for a tanh layer", () => sequential(input([2]), dense(8, "tanh"), dense(1)).compile(mse).ir],
      ["for a softmax layer", () => sequential(input([2]), dense(8, "softmax"), dense(1)).compile(mse).ir],
      ["for two activations in a row", () => sequential(input([2]), dense(8, "relu"), activation("sigmoid"), dense(1)).compile(mse).ir],
      ["for a kernel regularizer", () => sequential(input([2]), dense(8, { activation: "relu", kernelRegularizer: l2(0.01) }), dense(1)).compile(mse).ir],
      ["for a bias regularizer", () => sequential(input([2]), dense(8, "relu"), dense(1, { biasRegularizer: l2(0.01) })).compile(mse).ir],
      ["for the binary cross-entropy", () => sequential(input([2]), dense(8, "sigmoid"), dense(1, "sigmoid")).compile({ ...mse, loss: "binaryCrossentropy" }).ir],
      ["for an uncompiled model", () => ({ ...xor().ir, training: null })],
      ["for a frozen layer", () => sequential(input([2]), dense(8, { activation: "sigmoid", trainable: false }), dense(1, "sigmoid")).compile(mse).ir],
      ["for a layer applied twice (its weights listed once)", () => {
        const x = input([4]);
        const shared = dense(4, "relu");
        return model({ inputs: x, outputs: shared(shared(x)) }).compile(mse).ir;
      }],
      ["for an int32 input", () => withInput(xor().ir, { dtype: "int32" })],
      ["for a sparse input", () => sequential(input([2], { sparse: true }), dense(8, "relu"), dense(1)).compile(mse).ir],
      ["for an input of rank 2", () => sequential(input([3, 2]), dense(4, "relu"), dense(1)).compile(mse).ir],
      ["for a model too big for 4 KB (64-64-64-64)", () => sequential(input([64]), dense(64, "relu"), dense(64, "relu"), dense(64)).compile(mse).ir],
    ];
    for (const [name, ir] of cases) it(name, () => expect(denseStackOf(ir())).toBeNull());

    it("only for what the cases change: the models they start from are dense stacks", () => {
      const x = input([4]);
      const unshared = model({ inputs: x, outputs: dense(4, "relu")(dense(4, "relu")(x)) }).compile(mse);
      for (const net of [sequential(input([2]), dense(8, "relu"), dense(1)).compile(mse), xor(), unshared]) expect(stackOf(net)).not.toBeNull();
    });

    it("for a module over 4 KB although its weights are few (the module's own size decides)", () => {
      const net = sequential(input([16]), dense(16, "relu"), dense(16)).compile(mse);
      const stack: DenseStack = {
        inputs: 16,
        layers: [
          { units: 16, activation: "relu", useBias: true },
          { units: 16, activation: "linear", useBias: true },
        ],
        loss: "meanSquaredError",
      };
      expect(denseStepModuleMinBytes(stack)).toBeLessThan(SYNC_COMPILE_LIMIT_BYTES);
      expect(stackOf(net)).toBeNull();
    });
  });

  it("skips building modules by a bound that is never above a module's size", () => {
    const stacks: [number, number[]][] = [[1, [1]], [2, [8, 1]], [2, [2, 2]], [3, [4, 4, 4, 1]], [16, [16, 16]], [40, [1]], [1, [40]]];
    for (const [inputs, widths] of stacks) {
      for (const useBias of [true, false]) {
        const stack: DenseStack = { inputs, layers: widths.map((units) => ({ units, activation: "sigmoid", useBias })), loss: "meanSquaredError" };
        expect(denseStepModule(stack).length, JSON.stringify(stack)).toBeGreaterThanOrEqual(denseStepModuleMinBytes(stack));
      }
    }
  });
});

describe("bench/models/bench.gen.ts", () => {
  const denseStackIn = (model: object): DenseStack | undefined => (model as unknown as { kernels: Kernels }).kernels.denseStack;

  it("XorBench's and SeedBench's kernels carry their dense stacks", () => {
    expect(denseStackIn(new XorBench())).toEqual(stackOf(xor()));
    expect(denseStackIn(new SeedBench())).toEqual({
      inputs: 2,
      layers: [
        { units: 2, activation: "sigmoid", useBias: false },
        { units: 2, activation: "sigmoid", useBias: false },
      ],
      loss: "meanSquaredError",
    });
  });

  it("MlpBench's do not (softmax, categorical cross-entropy)", () => {
    expect(denseStackIn(new MlpBench())).toBeUndefined();
  });
});
