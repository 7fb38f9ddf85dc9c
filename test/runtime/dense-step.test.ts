import { describe, expect, it } from "vitest";
import { denseStackWeightSizes, type DenseStack, type DenseStackActivation } from "../../runtime/dense-step/dense-stack";
import { DenseStep } from "../../runtime/dense-step/dense-step";
import { denseStepLayout } from "../../runtime/dense-step/dense-step-layout";
import { denseStepModule } from "../../runtime/dense-step/dense-step-module";
import { Random } from "../../runtime/random";
import { SYNC_COMPILE_LIMIT_BYTES } from "../../runtime/wasm/instantiate";
import { hostWasm } from "../../runtime/wasm/wasm-api";

// The fused step against a float64 dense network written here from the formulas: z = x·W + b,
// h = act(z), loss = mean over batch and outputs of (h - t)², gradients by the chain rule.

interface Reference {
  loss: number;
  grads: number[][];
  outputs: number[];
}

const activate: Record<DenseStackActivation, (z: number) => number> = {
  linear: (z) => z,
  relu: (z) => Math.max(0, z),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
};
/** The derivative from the activation's output h. */
const derivative: Record<DenseStackActivation, (h: number) => number> = {
  linear: () => 1,
  relu: (h) => (h > 0 ? 1 : 0),
  sigmoid: (h) => h * (1 - h),
};

function reference(stack: DenseStack, weights: readonly Float32Array[], x: Float32Array, t: Float32Array, batch: number): Reference {
  const params: { kernel: Float32Array; bias: Float32Array | null }[] = [];
  let w = 0;
  for (const layer of stack.layers) params.push({ kernel: weights[w++]!, bias: layer.useBias ? weights[w++]! : null });
  const grads = weights.map((weight) => new Array<number>(weight.length).fill(0));
  const outputsPer = stack.layers.at(-1)!.units;
  const outputs: number[] = [];
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    const activations: number[][] = [Array.from(x.subarray(b * stack.inputs, (b + 1) * stack.inputs))];
    stack.layers.forEach((layer, l) => {
      const input = activations[l]!;
      const { kernel, bias } = params[l]!;
      activations.push(
        Array.from({ length: layer.units }, (_, u) =>
          activate[layer.activation](input.reduce((sum, v, i) => sum + v * kernel[i * layer.units + u]!, bias ? bias[u]! : 0)),
        ),
      );
    });
    const out = activations.at(-1)!;
    outputs.push(...out);
    let upstream = out.map((h, u) => {
      const error = h - t[b * outputsPer + u]!;
      loss += error * error;
      return (2 * error) / (batch * outputsPer);
    });
    for (let l = stack.layers.length - 1; l >= 0; l--) {
      const layer = stack.layers[l]!;
      const input = activations[l]!;
      const dz = upstream.map((g, u) => g * derivative[layer.activation](activations[l + 1]![u]!));
      const k = params.slice(0, l).reduce((n, p) => n + (p.bias ? 2 : 1), 0);
      input.forEach((v, i) => dz.forEach((g, u) => (grads[k]![i * layer.units + u]! += v * g)));
      if (layer.useBias) dz.forEach((g, u) => (grads[k + 1]![u]! += g));
      upstream = input.map((_, i) => dz.reduce((sum, g, u) => sum + g * params[l]!.kernel[i * layer.units + u]!, 0));
    }
  }
  return { loss: loss / (batch * outputsPer), grads, outputs };
}

function randomFloats(count: number, random: Random, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => (random.uniform() * 2 - 1) * scale);
}

/**
 * A step with random weights, and a batch of random examples in buffers as a generated model's.
 * `loopSums`: the module whose gradients' lanes are added up in a loop (bigger stacks' module).
 */
function setUp(stack: DenseStack, batch: number, seed = 1, loopSums = false) {
  const random = new Random(seed);
  const step = DenseStep.create(stack, hostWasm(), denseStepModule(stack, loopSums ? 0 : SYNC_COMPILE_LIMIT_BYTES))!;
  const sizes = denseStackWeightSizes(stack);
  const weights: Float32Array[] = [];
  let at = 0;
  for (const size of sizes) {
    weights.push(step.weights.subarray(at, at + size));
    weights.at(-1)!.set(randomFloats(size, random));
    at += size;
  }
  const outputs = stack.layers.at(-1)!.units;
  const bufs = {
    inputs: [randomFloats(batch * stack.inputs + 7, random, 2)],
    target: randomFloats(batch * outputs + 3, random),
    output: new Float32Array(batch * outputs + 3),
  };
  return { step, weights, bufs };
}

function gradsOf(step: DenseStep, stack: DenseStack): Float32Array[] {
  let at = 0;
  return denseStackWeightSizes(stack).map((size) => step.grads.slice(at, (at += size)));
}

/** float32 arithmetic against float64: the errors of a few roundings per term. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(2e-6 * (1 + Math.abs(expected[i]!)));
}

const layer = (units: number, activation: DenseStackActivation, useBias = true) => ({ units, activation, useBias });
const STACKS: Record<string, DenseStack> = {
  "xor 2-8-1 sigmoid": { inputs: 2, layers: [layer(8, "sigmoid"), layer(1, "sigmoid")], loss: "meanSquaredError" },
  "seed 2-2-2 sigmoid, no bias": { inputs: 2, layers: [layer(2, "sigmoid", false), layer(2, "sigmoid", false)], loss: "meanSquaredError" },
  "3-5-3 relu then linear": { inputs: 3, layers: [layer(5, "relu"), layer(3, "linear")], loss: "meanSquaredError" },
  "1-1 linear regression": { inputs: 1, layers: [layer(1, "linear")], loss: "meanSquaredError" },
  "4-3-3-2 mixed": { inputs: 4, layers: [layer(3, "relu", false), layer(3, "sigmoid"), layer(2, "linear")], loss: "meanSquaredError" },
};

describe.runIf(hostWasm() && DenseStep.create(STACKS["xor 2-8-1 sigmoid"]!))("the fused dense step", () => {
  for (const [name, stack] of Object.entries(STACKS)) {
    it(`${name}: loss, outputs and every gradient as the float64 network's, for batches of 1 to 9, either module`, () => {
      for (const batch of [1, 2, 3, 4, 5, 8, 9])
        for (const loopSums of [false, true]) {
          const { step, weights, bufs } = setUp(stack, batch, batch, loopSums);
          const loss = step.run(bufs, batch, true, true);
          const expected = reference(stack, weights, bufs.inputs[0]!, bufs.target, batch);
          expectClose([loss], [expected.loss], `batch ${batch} loss`);
          expectClose(bufs.output.subarray(0, expected.outputs.length), expected.outputs, `batch ${batch} outputs`);
          gradsOf(step, stack).forEach((g, k) => expectClose(g, expected.grads[k]!, `batch ${batch} gradient ${k}`));
        }
    });
  }

  it("the float64 network's gradients are the loss's finite differences", () => {
    const stack = STACKS["4-3-3-2 mixed"]!;
    const { weights, bufs } = setUp(stack, 5);
    const x = bufs.inputs[0]!;
    const wide = weights.map((w) => Float64Array.from(w));
    const lossAt = (ws: Float64Array[]) => reference(stack, ws as unknown as Float32Array[], x, bufs.target, 5).loss;
    const analytic = reference(stack, wide as unknown as Float32Array[], x, bufs.target, 5).grads;
    const h = 1e-6;
    wide.forEach((w, k) =>
      w.forEach((value, i) => {
        w[i] = value + h;
        const up = lossAt(wide);
        w[i] = value - h;
        const down = lossAt(wide);
        w[i] = value;
        expect(Math.abs((up - down) / (2 * h) - analytic[k]![i]!)).toBeLessThan(1e-7);
      }),
    );
  });

  it("a batch larger than the memory's regions runs in parts, with the same sums, either module", () => {
    for (const loopSums of [false, true]) {
      const stack = STACKS["xor 2-8-1 sigmoid"]!;
      const batch = denseStepLayout(stack).capacity + 13;
      const { step, weights, bufs } = setUp(stack, batch, 1, loopSums);
      const loss = step.run(bufs, batch, true, true);
      const expected = reference(stack, weights, bufs.inputs[0]!, bufs.target, batch);
      expect(Math.abs(loss - expected.loss)).toBeLessThan(1e-5 * expected.loss);
      expectClose(bufs.output.subarray(0, batch), expected.outputs, "outputs");
      gradsOf(step, stack).forEach((g, k) =>
        g.forEach((v, i) => expect(Math.abs(v - expected.grads[k]![i]!)).toBeLessThan(1e-5 * (1 + Math.abs(expected.grads[k]![i]!)))),
      );
    }
  });

  it("without `loaded` it trains on the batch it copied before; without `outputs` it leaves bufs.output alone", () => {
    const stack = STACKS["3-5-3 relu then linear"]!;
    const { step, bufs } = setUp(stack, 6);
    const first = step.run(bufs, 6, true, true);
    const gradsBefore = step.grads.slice();
    bufs.inputs[0]!.fill(5);
    bufs.target.fill(-5);
    bufs.output.fill(7);
    expect(step.run(bufs, 6, false, false)).toBe(first);
    expect(step.grads).toEqual(gradsBefore);
    expect([...new Set(bufs.output)]).toEqual([7]);
    expect(step.run(bufs, 6, true, false)).not.toBe(first);
  });

  it("the weights live in the module's memory: changing them changes the next step", () => {
    const stack = STACKS["1-1 linear regression"]!;
    const { step, bufs } = setUp(stack, 4);
    step.weights.set([2, 0.5]);
    const x = bufs.inputs[0]!.subarray(0, 4);
    const expected = x.reduce((sum, v, b) => sum + (2 * v + 0.5 - bufs.target[b]!) ** 2, 0) / 4;
    expect(step.run(bufs, 4, true, false)).toBeCloseTo(expected, 5);
  });

  it("the XOR and seed steps compile synchronously in a browser (under 4 KB); the loop-sums module is the smaller one", () => {
    for (const name of ["xor 2-8-1 sigmoid", "seed 2-2-2 sigmoid, no bias"])
      expect(denseStepModule(STACKS[name]!).length).toBeLessThan(SYNC_COMPILE_LIMIT_BYTES);
    expect(denseStepModule(STACKS["xor 2-8-1 sigmoid"]!, 0).length).toBeLessThan(denseStepModule(STACKS["xor 2-8-1 sigmoid"]!).length);
  });
});

describe("the fused dense step without WebAssembly", () => {
  it("is not made, so the JavaScript kernels train", () => {
    expect(DenseStep.create(STACKS["xor 2-8-1 sigmoid"]!, null)).toBeNull();
  });
});
