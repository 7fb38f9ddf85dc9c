import { PerformanceObserver, performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { adagrad, adam, rmsprop, sgd, type OptimizerConfig } from "../../dsl/config/optimizers";
import { createOptimizer, type OptimizerPath } from "../../runtime/optimizers";
import { addOptimizerFunctions, optimizerKernelModule } from "../../runtime/optimizers/optimizer-kernel";
import { ModuleBuilder } from "../../runtime/wasm/wasm-assembler";
import { simdOptimizer } from "../../runtime/optimizers/simd-optimizer";
import { instantiateKernel, SYNC_COMPILE_LIMIT_BYTES } from "../../runtime/wasm/instantiate";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { weightStore } from "../../runtime/weight-store";
import { Random } from "../../runtime/random";
import { simdGemm } from "../../runtime/gemm/gemm";
import { reference } from "../support/optimizer-reference";

// The float64 reference the optimisers are held to is test/support/optimizer-reference.ts. Every test
// runs on every path: the WebAssembly SIMD kernels (where the host has them) in float32 lanes and in
// float64 pairs, and the JavaScript loops.

// ------------------------------------------------------------------ helpers

const SIZES = [1, 7, 12];

/** Weights of magnitude 0.5 to 1.5 and random sign, so that a few steps never bring them near 0. */
function initialWeights(random: Random): Float32Array[] {
  return SIZES.map((n) => Float32Array.from({ length: n }, () => (random.uniform() < 0.5 ? -1 : 1) * (0.5 + random.uniform())));
}

/**
 * The arrays as a generated model holds them: consecutive views of one store (where an optimiser
 * without clipnorm runs its rule once over the whole store).
 */
function inOneStore(arrays: readonly Float32Array[]): Float32Array[] {
  const views = weightStore(arrays.map((a) => a.length));
  views.forEach((view, k) => view.set(arrays[k]!));
  return views;
}

/** How the weights and gradients are laid out: separate arrays, or views of one store each. */
const LAYOUTS: [string, { weights: boolean; grads: boolean }][] = [
  ["separate arrays", { weights: false, grads: false }],
  ["weights and gradients each in one store", { weights: true, grads: true }],
  ["weights in one store, gradients separate", { weights: true, grads: false }],
];

/** Gradients in (-3, 3) times `scale`: at scale 1 large enough for clipnorm 1 and clipvalue 0.5 to bite. */
function gradients(random: Random, scale = 1): Float32Array[] {
  return SIZES.map((n) => Float32Array.from({ length: n }, () => (random.uniform() * 2 - 1) * 3 * scale));
}

/** Relative 1e-6, floored at a tenth of the array's largest magnitude (for values that cancel to near 0). */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 1e-6 * Math.max(Math.abs(expected[i]!), 0.1 * scale);
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
  }
}

const CASES: [string, OptimizerConfig][] = [
  ["sgd", sgd({ learningRate: 0.01 })],
  ["sgd with momentum", sgd({ learningRate: 0.01, momentum: 0.9 })],
  ["sgd with nesterov momentum", sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true })],
  ["sgd with clipnorm", sgd({ learningRate: 0.01, momentum: 0.5, clipnorm: 1 })],
  ["sgd with clipvalue", sgd({ learningRate: 0.01, clipvalue: 0.5 })],
  ["adam", adam({ learningRate: 0.01 })],
  ["adam with other betas and epsilon", adam({ learningRate: 0.02, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 })],
  ["adam with clipnorm", adam({ learningRate: 0.01, clipnorm: 1 })],
  ["adam with clipvalue", adam({ learningRate: 0.01, clipvalue: 0.5 })],
  ["rmsprop", rmsprop({ learningRate: 0.01 })],
  ["rmsprop with momentum", rmsprop({ learningRate: 0.01, momentum: 0.9 })],
  ["rmsprop centered", rmsprop({ learningRate: 0.01, centered: true })],
  ["rmsprop centered with momentum and clipnorm", rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5, clipnorm: 1 })],
  ["rmsprop with clipvalue", rmsprop({ learningRate: 0.01, rho: 0.8, clipvalue: 0.5 })],
  ["adagrad", adagrad({ learningRate: 0.05 })],
  ["adagrad with clipnorm and other constants", adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.5, epsilon: 1e-3, clipnorm: 1 })],
  ["adagrad with clipvalue", adagrad({ learningRate: 0.05, clipvalue: 0.5 })],
];

// ------------------------------------------------------------------ tests

const PATHS: readonly OptimizerPath[] = ["simd", "simd-float64", "js"];

for (const path of PATHS) describe(`the ${path} path`, () => {
  const create = (config: OptimizerConfig, weights: readonly Float32Array[]) => createOptimizer(config, weights, path);

  describe("optimizers agree with a float64 reference over 6 steps (float32 tolerance)", () => {
    for (const [title, config] of CASES) for (const [layout, stored] of LAYOUTS) {
      it(`${title}, ${layout}`, () => {
        const random = new Random(2024);
        const weights = stored.weights ? inOneStore(initialWeights(random)) : initialWeights(random);
        const ref = reference(config, weights.map((w) => Array.from(w)));
        const optimizer = create(config, weights);
        for (let step = 1; step <= 6; step++) {
          const grads = stored.grads ? inOneStore(gradients(random)) : gradients(random);
          const copies = grads.map((g) => g.slice());
          optimizer.apply(grads);
          ref.step(grads.map((g) => Array.from(g)));
          expect(grads, "the gradients are left untouched").toEqual(copies);
          expect(optimizer.iterations).toBe(step);
          weights.forEach((w, k) => expectClose(w, ref.weights[k]!, `step ${step} weight ${k}`));
        }
        const state = optimizer.getState();
        expect([...state.keys()].sort()).toEqual(["iterations", ...ref.slots.keys()].sort());
        expect([...state.get("iterations")!]).toEqual([6]);
        for (const [key, values] of ref.slots) expectClose(state.get(key)!, values, key);
      });
    }
  });

  describe("epsilon where it matters: gradients below 3e-3, so that v is near epsilon (1e-7)", () => {
    // RMSprop's v = 0.1·g² after a step is 1e-7 at g = 1e-3: sqrt(v + eps) and sqrt(v) + eps then
    // differ by a third; Adam's v (1 - 0.999)·g² is far below eps, so eps inside its root would
    // dominate; Adagrad from an empty accumulator has acc = g². Each step's weights must agree with
    // the float64 reference to 1e-6.
    const TINY: [string, OptimizerConfig][] = [
      ["rmsprop", rmsprop({ learningRate: 0.01 })],
      ["rmsprop centered", rmsprop({ learningRate: 0.01, centered: true })],
      ["adam", adam({ learningRate: 0.01 })],
      ["adagrad from an empty accumulator", adagrad({ learningRate: 0.01, initialAccumulatorValue: 0 })],
    ];
    for (const [title, config] of TINY) {
      it(title, () => {
        const random = new Random(7);
        const weights = initialWeights(random);
        const ref = reference(config, weights.map((w) => Array.from(w)));
        const optimizer = create(config, weights);
        for (let step = 1; step <= 6; step++) {
          const grads = gradients(random, 1e-3);
          optimizer.apply(grads);
          ref.step(grads.map((g) => Array.from(g)));
          weights.forEach((w, k) => expectClose(w, ref.weights[k]!, `step ${step} weight ${k}`));
        }
      });
    }
  });

  describe("clipping (Keras 3 BaseOptimizer._clip_gradients)", () => {
    const stepOf = (config: OptimizerConfig, g: number[]) => {
      const w = new Float32Array(g.length);
      create(config, [w]).apply([Float32Array.from(g)]);
      return [...w].map((x) => 0 - x);
    };

    it("clipnorm rescales each gradient tensor to norm clipnorm: [100, 100] -> [sqrt(2)/2, sqrt(2)/2]", () => {
      expectClose(stepOf(sgd({ learningRate: 1, clipnorm: 1 }), [100, 100]), [Math.SQRT1_2, Math.SQRT1_2], "clipped");
    });

    it("clipnorm leaves a gradient within the norm alone, and a zero gradient zero", () => {
      expect(stepOf(sgd({ learningRate: 1, clipnorm: 1 }), [0.3, -0.4])).toEqual([Math.fround(0.3), Math.fround(-0.4)]);
      expect(stepOf(sgd({ learningRate: 1, clipnorm: 1 }), [0, 0])).toEqual([0, 0]);
    });

    it("clipnorm is per tensor, not global", () => {
      const [a, b] = [new Float32Array(2), new Float32Array(1)];
      create(sgd({ learningRate: 1, clipnorm: 1 }), [a, b]).apply([Float32Array.of(3, 4), Float32Array.of(0.5)]);
      expectClose([...a, ...b], [-0.6, -0.8, -0.5], "per-tensor clip");
    });

    it("clipvalue clips each element: [100, -100, 0.5] -> [1, -1, 0.5]", () => {
      expect(stepOf(sgd({ learningRate: 1, clipvalue: 1 }), [100, -100, 0.5])).toEqual([1, -1, 0.5]);
    });

    it("refuses clipnorm and clipvalue together, as Keras does", () => {
      expect(() => create({ ...adam(), clipnorm: 1, clipvalue: 1 }, [new Float32Array(1)])).toThrow(/clipnorm or clipvalue, not both/);
      expect(() => create({ ...adam(), clipnorm: 0 }, [new Float32Array(1)])).toThrow(/clipnorm must be a positive number/);
    });
  });

  describe("Keras' own expected values (keras/src/optimizers/*_test.py and docstrings)", () => {
    const single = (config: OptimizerConfig) => {
      const w = Float32Array.of(1, 2, 3, 4);
      create(config, [w]).apply([Float32Array.of(1, 6, 7, 2)]);
      return [...w];
    };
    const near = (actual: number[], expected: number[], tolerance: number) =>
      actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance + tolerance * Math.abs(expected[i]!)));

    it("test_single_step, learning rate 0.5", () => {
      near(single(sgd({ learningRate: 0.5 })), [0.5, -1.0, -0.5, 3.0], 1e-4);
      near(single(adam({ learningRate: 0.5 })), [0.5, 1.5, 2.5, 3.5], 1e-4);
      near(single(rmsprop({ learningRate: 0.5 })), [-0.5811, 0.4189, 1.4189, 2.4189], 1e-4);
      near(single(adagrad({ learningRate: 0.5 })), [0.5233, 1.5007, 2.5005, 3.5061], 1e-4);
    });

    /** test_correctness_with_golden: one step with gradients 0.01, then five with 0.1, 0.2, ..., 1.0. */
    const golden = (config: OptimizerConfig) => {
      const x = new Float32Array(10).fill(1);
      const optimizer = create(config, [x]);
      optimizer.apply([new Float32Array(10).fill(0.01)]);
      const rows: number[][] = [];
      for (let i = 0; i < 5; i++) {
        rows.push([...x]);
        optimizer.apply([Float32Array.from({ length: 10 }, (_, j) => (j + 1) / 10)]);
      }
      return rows;
    };

    it("test_correctness_with_golden: SGD(nesterov=True)", () => {
      const expected = [0, 1, 2, 3, 4].map((r) => Array.from({ length: 10 }, (_, j) => 0.9999 - r * 0.001 * (j + 1)));
      golden(sgd({ nesterov: true })).forEach((row, r) => near(row, expected[r]!, 5e-4));
    });

    it("test_correctness_with_golden: RMSprop(centered=True)", () => {
      const expected = [0.9967, 0.9933, 0.9908, 0.9885, 0.9864];
      golden(rmsprop({ centered: true })).forEach((row, r) => near(row, new Array(10).fill(expected[r]), 5e-4));
    });

    it("test_correctness_with_golden: Adagrad(0.2, initial_accumulator_value=0.3, epsilon=1e-6)", () => {
      const expected = [
        [0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963],
        [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
        [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
        [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
        [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825],
      ];
      golden(adagrad({ learningRate: 0.2, initialAccumulatorValue: 0.3, epsilon: 1e-6 })).forEach((row, r) => near(row, expected[r]!, 5e-4));
    });

    it("RMSprop docstring: lr 0.1 on (var ** 2) / 2 from 10 gives 9.683772", () => {
      const w = Float32Array.of(10);
      create(rmsprop({ learningRate: 0.1 }), [w]).apply([Float32Array.of(10)]);
      expect(w[0]).toBeCloseTo(9.683772, 6);
    });

    it("SGD docstring: momentum 0.9 takes steps of 0.1 then 0.18 on (var ** 2) / 2 from 1", () => {
      const w = Float32Array.of(1);
      const optimizer = create(sgd({ learningRate: 0.1, momentum: 0.9 }), [w]);
      const steps: number[] = [];
      for (let i = 0; i < 2; i++) {
        const before = w[0]!;
        optimizer.apply([Float32Array.of(before)]);
        steps.push(before - w[0]!);
      }
      expect(steps[0]).toBeCloseTo(0.1, 6);
      expect(steps[1]).toBeCloseTo(0.18, 6);
    });
  });

  describe("optimizer state", () => {
    it("names Keras' slots, created only when used", () => {
      const names = (config: OptimizerConfig) => [...create(config, [new Float32Array(2), new Float32Array(3)]).getState().keys()].sort();
      expect(names(sgd())).toEqual(["iterations"]);
      expect(names(sgd({ momentum: 0.9 }))).toEqual(["iterations", "momentum/0", "momentum/1"]);
      expect(names(adam())).toEqual(["iterations", "momentum/0", "momentum/1", "velocity/0", "velocity/1"]);
      expect(names(rmsprop())).toEqual(["iterations", "velocity/0", "velocity/1"]);
      expect(names(rmsprop({ momentum: 0.5, centered: true }))).toEqual(["average_gradient/0", "average_gradient/1", "iterations", "momentum/0", "momentum/1", "velocity/0", "velocity/1"]);
      expect(names(adagrad())).toEqual(["accumulator/0", "accumulator/1", "iterations"]);
      expect([...create(adagrad({ initialAccumulatorValue: 0.25 }), [new Float32Array(2)]).getState().get("accumulator/0")!]).toEqual([0.25, 0.25]);
    });

    for (const [title, config] of CASES.filter(([, c]) => c.name !== "sgd" || c.momentum > 0)) {
      it(`round-trips: a restored ${title} continues bit for bit, into weights in one store or separate`, () => {
        const random = new Random(7);
        const weights = inOneStore(initialWeights(random));
        const original = create(config, weights);
        for (let i = 0; i < 3; i++) original.apply(gradients(random));
        const copies = weights.map((w) => w.slice());
        const restored = create(config, copies);
        restored.setState(original.getState());
        expect(restored.iterations).toBe(3);
        for (let i = 0; i < 3; i++) {
          const grads = gradients(random);
          original.apply(grads);
          restored.apply(grads);
        }
        expect(copies).toEqual(weights);
      });
    }

    it("getState copies: later steps do not change a saved state", () => {
      const weights = [Float32Array.of(1, 2)];
      const optimizer = create(adam(), weights);
      optimizer.apply([Float32Array.of(1, 1)]);
      const saved = optimizer.getState();
      const before = saved.get("momentum/0")!.slice();
      optimizer.apply([Float32Array.of(1, 1)]);
      expect(saved.get("momentum/0")).toEqual(before);
    });

    it("refuses a state that does not fit, changing nothing", () => {
      const weights = [new Float32Array(2), new Float32Array(3)];
      const optimizer = create(adam(), weights);
      optimizer.apply([Float32Array.of(1, 1), Float32Array.of(1, 1, 1)]);
      const good = optimizer.getState();
      const broken = (edit: (state: Map<string, Float32Array>) => void) => {
        const state = new Map([...good].map(([k, v]) => [k, v.slice()]));
        edit(state);
        return state;
      };
      const zeroed = create(adam(), [new Float32Array(2), new Float32Array(3)]);
      const before = zeroed.getState();
      expect(() => zeroed.setState(broken((s) => s.delete("velocity/1")))).toThrow(/adam state: velocity\/1 is missing/);
      expect(() => zeroed.setState(broken((s) => s.set("momentum/0", new Float32Array(5))))).toThrow(/momentum\/0 has 5 values, expected 2/);
      expect(() => zeroed.setState(broken((s) => s.set("accumulator/0", new Float32Array(2))))).toThrow(/unexpected entry accumulator\/0/);
      expect(() => zeroed.setState(broken((s) => s.delete("iterations")))).toThrow(/iterations is missing/);
      expect(() => zeroed.setState(broken((s) => s.set("iterations", Float32Array.of(1.5))))).toThrow(/not a step count/);
      expect(zeroed.getState()).toEqual(before);
      expect(zeroed.iterations).toBe(0);
    });
  });

  describe("apply", () => {
    it("refuses gradients that do not match the weights", () => {
      const optimizer = create(sgd(), [new Float32Array(2), new Float32Array(3)]);
      expect(() => optimizer.apply([new Float32Array(2)])).toThrow(/1 gradients for 2 weights/);
      expect(() => optimizer.apply([new Float32Array(2), new Float32Array(4)])).toThrow(/gradient 1 has 4 values, its weight 3/);
      expect(optimizer.iterations).toBe(0);
    });

    it("updates the weight arrays it was given, in place", () => {
      const w = Float32Array.of(1);
      const optimizer = create(sgd({ learningRate: 0.5 }), [w]);
      optimizer.apply([Float32Array.of(1)]);
      expect(w[0]).toBe(0.5);
    });

    it("lets nesterov and plain momentum differ", () => {
      const run = (nesterov: boolean) => {
        const w = Float32Array.of(1);
        const optimizer = create(sgd({ learningRate: 0.1, momentum: 0.9, nesterov }), [w]);
        for (let i = 0; i < 3; i++) optimizer.apply([Float32Array.of(1)]);
        return w[0];
      };
      // Plain: v = -0.1, -0.19, -0.271 -> 1 - 0.561; nesterov adds m*v - lr*g each step.
      expect(run(false)).toBeCloseTo(1 - 0.561, 6);
      expect(run(true)).toBeCloseTo(1 - (0.19 + 0.271 + 0.3439), 6);
    });
  });

  describe("applyIfFinite (a training step's guard)", () => {
    const sizes = [7, 300, 1]; // tensors not a multiple of 4 floats, so the bad value may sit beside padding
    const gradientsOf = (random: Random) => sizes.map((n) => Float32Array.from({ length: n }, () => random.uniform() - 0.5));
    it.each(CASES)("%s: refuses an infinity or NaN anywhere, changing nothing; otherwise steps as apply does", (_, config) => {
      const random = new Random(8);
      const start = sizes.map((n) => Float32Array.from({ length: n }, () => random.uniform()));
      const guarded = start.map((w) => w.slice());
      const plain = start.map((w) => w.slice());
      const [checked, applied] = [create(config, guarded), create(config, plain)];
      for (let step = 0; step < 3; step++) {
        const grads = gradientsOf(random);
        for (const [tensor, index, bad] of [[0, 6, Infinity], [1, 0, NaN], [1, 299, -Infinity], [2, 0, NaN]] as const) {
          const before = { weights: guarded.map((w) => w.slice()), state: checked.getState(), iterations: checked.iterations };
          const poisoned = grads.map((g) => g.slice());
          poisoned[tensor]![index] = bad;
          expect(checked.applyIfFinite(poisoned)).toBe(false);
          expect(guarded).toEqual(before.weights);
          expect(checked.getState()).toEqual(before.state);
          expect(checked.iterations).toBe(before.iterations);
        }
        expect(checked.applyIfFinite(grads)).toBe(true);
        applied.apply(grads);
        guarded.forEach((w, k) => expect(new Uint32Array(w.buffer)).toEqual(new Uint32Array(plain[k]!.buffer)));
      }
      expect(checked.iterations).toBe(3);
    });
  });

  it.skipIf(!hostWasm())("the kernel's allFinite finds NaN and either infinity at every place, for several lengths, with one sum or four (gemm's module)", () => {
    const withSums = (sums: number): Uint8Array => {
      const module = new ModuleBuilder(1);
      addOptimizerFunctions(module, "float32", sums);
      return module.encode();
    };
    for (const bytes of [optimizerKernelModule(), withSums(4)]) {
      const kernel = instantiateKernel<{ memory: { buffer: ArrayBuffer }; allFinite(g: number, floats: number): number }>(bytes)!;
      const g = new Float32Array(kernel.memory.buffer, 64, 200);
      // four sums take 16 floats a step: 16, 64 and 128 are whole steps, 20, 76 and 140 leave vectors over
      for (const floats of [4, 12, 16, 20, 64, 76, 128, 140]) {
        g.fill(0.5).fill(Infinity, floats, floats + 4); // past the end: not read
        expect(kernel.allFinite(64, floats)).toBe(1);
        for (let at = 0; at < floats; at++) {
          for (const bad of [NaN, Infinity, -Infinity]) {
            g[at] = bad;
            expect(kernel.allFinite(64, floats), `${bad} at ${at} of ${floats}`).toBe(0);
          }
          g[at] = -3e38;
        }
        expect(kernel.allFinite(64, floats)).toBe(1);
      }
    }
  });

  describe("allocation", () => {
    /** Garbage collections while `run` runs, once the code is warm: the fewest seen over up to `rounds` rounds. */
    async function collectionsDuring(run: () => void, rounds = 8): Promise<number> {
      const starts: number[] = [];
      const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => starts.push(e.startTime)));
      observer.observe({ entryTypes: ["gc"] });
      let fewest = Infinity;
      // Rounds until the optimising compiler has caught up (before that, intermediates may be boxed).
      for (let round = 0; round < rounds && fewest > 0; round++) {
        const begin = performance.now();
        run();
        const end = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 20));
        fewest = Math.min(fewest, starts.filter((t) => t >= begin && t <= end).length);
      }
      observer.disconnect();
      return fewest;
    }

    const optimizers = () =>
      [adam({ clipnorm: 1 }), rmsprop({ centered: true, momentum: 0.5 }), sgd({ momentum: 0.9, nesterov: true, clipvalue: 0.05 }), adagrad(), sgd()].map((config) => {
        const weights = [new Float32Array(64), new Float32Array(8)];
        return { optimizer: create(config, weights), grads: [new Float32Array(64).fill(0.1), new Float32Array(8).fill(0.2)] };
      });

    it("apply allocates nothing: no garbage collection in 250000 steps of five optimisers", async () => {
      const all = optimizers();
      const steps = () => {
        for (const { optimizer, grads } of all) for (let i = 0; i < 50_000; i++) optimizer.apply(grads);
      };
      expect(await collectionsDuring(steps)).toBe(0);
    });

    it("(the measurement sees allocation when there is some)", async () => {
      const all = optimizers();
      const allocatingSteps = () => {
        for (const { optimizer, grads } of all) for (let i = 0; i < 10_000; i++) optimizer.apply(grads.map((g) => g.slice()));
      };
      expect(await collectionsDuring(allocatingSteps, 1)).toBeGreaterThan(0);
    });
  });
});

describe("the WebAssembly SIMD path in float64 pairs and the JavaScript one", () => {
  /** Sizes that are and are not multiples of the kernel's 4 floats, one large. */
  const MIXED = [1, 2, 3, 4, 5, 31, 1000];
  const mixed = (random: Random) => MIXED.map((n) => Float32Array.from({ length: n }, () => (random.uniform() * 2 - 1) * 3));

  for (const [title, config] of CASES) {
    it(`give bit-identical weights and slots: ${title}, 20 steps`, () => {
      const random = new Random(11);
      const start = mixed(random);
      const [simdWeights, jsWeights] = [inOneStore(start), start.map((w) => w.slice())];
      const [simd, js] = [createOptimizer(config, simdWeights, "simd-float64"), createOptimizer(config, jsWeights, "js")];
      for (let step = 0; step < 20; step++) {
        const grads = mixed(random);
        simd.apply(grads);
        js.apply(grads);
      }
      expect(simdWeights).toEqual(jsWeights);
      expect(simd.getState()).toEqual(js.getState());
    });
  }

  it("the SIMD kernels are modules a browser compiles synchronously, and give way to JavaScript without WebAssembly", () => {
    for (const bytes of [optimizerKernelModule("float32"), optimizerKernelModule("float64")]) {
      expect(hostWasm()!.validate(bytes)).toBe(true);
      expect(bytes.length).toBeLessThan(SYNC_COMPILE_LIMIT_BYTES);
    }
    const plan = { rule: "sgd", slots: [], hyper: { lr: 0.1 } } as const;
    const weights = [new Float32Array(1000)];
    expect(simdOptimizer("sgd", {}, weights, plan, "simd")).not.toBeNull();
    expect(simdOptimizer("sgd", {}, weights, plan, "simd", null)).toBeNull();
    expect(simdOptimizer("sgd", {}, weights, plan, "js")).toBeNull();
    expect(simdOptimizer("sgd", {}, [new Float32Array(10)], plan, "auto"), "a few weights: JavaScript").toBeNull();
  });
});

describe.skipIf(!hostWasm())("a model's weights and gradients kept in the SIMD optimiser's memory (adoptStore)", () => {
  const sizes = [300, 7, 64];
  const configs: OptimizerConfig[] = [adam({ learningRate: 0.01 }), rmsprop({ clipvalue: 0.5 }), sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), adagrad()];

  it.each(configs.map((c) => [c.name, c] as const))("%s: on the views it gives, the same steps to the bit as the optimiser that copies (it reads and writes those views, not the arrays it was made with)", (_name, config) => {
    const random = new Random(5);
    const initial = Float32Array.from({ length: 371 }, () => random.uniform() - 0.5);
    const copying = weightStore(sizes, initial.slice());
    const copier = createOptimizer(config, copying, "simd");
    const kept = weightStore(sizes, initial.slice());
    const keeper = createOptimizer(config, kept, "simd");
    const store = keeper.adoptStore!()!;
    expect([...store.weights]).toEqual([...initial]);
    const weights = weightStore(sizes, store.weights);
    const grads = weightStore(sizes, store.grads);
    const copyingGrads = weightStore(sizes);
    for (let step = 0; step < 5; step++) {
      const g = Float32Array.from({ length: 371 }, () => random.uniform() * 2 - 1);
      copyingGrads.forEach((view, k) => view.set(g.subarray(sizes.slice(0, k).reduce((a, b) => a + b, 0), sizes.slice(0, k + 1).reduce((a, b) => a + b, 0))));
      store.grads.set(g);
      copier.apply(copyingGrads);
      expect(keeper.applyIfFinite(grads)).toBe(true);
      weights.forEach((w, k) => expect(w).toEqual(copying[k]));
    }
    // the optimiser's state is the same too, and the model's arrays are the ones it updates
    expect([...keeper.getState().entries()]).toEqual([...copier.getState().entries()]);
    store.grads.fill(0);
    store.grads[3] = Number.NaN;
    const before = store.weights.slice();
    expect(keeper.applyIfFinite(grads)).toBe(false);
    expect(store.weights).toEqual(before);
  });

  it("declines with clipnorm, whose tensors are padded in its memory, and on the JavaScript path", () => {
    expect(createOptimizer(adam({ clipnorm: 1 }), weightStore(sizes), "simd").adoptStore!()).toBeNull();
    expect(createOptimizer(adam(), weightStore(sizes), "js").adoptStore).toBeUndefined();
  });

  it("a guard over 300,000 gradients, checked in bands (on gemm's worker threads where the host has them), finds one bad value in any band", async () => {
    // where gemm has worker threads, they check every band: three workers, ready, the calling thread idle
    const threads = simdGemm()?.threads;
    threads?.start(4);
    await threads?.whenReady();
    if (threads) threads.callerWorks = false;
    try {
      guardOverBands();
    } finally {
      if (threads) threads.callerWorks = true;
    }
  });

  function guardOverBands(): void {
    const random = new Random(12);
    const sizes = [100_003, 200_001];
    const total = sizes[0]! + sizes[1]!;
    // adopted, the optimiser's arrays lie in gemm's heap, where gemm's module checks them
    const checked = createOptimizer(adam(), weightStore(sizes, Float32Array.from({ length: total }, () => random.uniform())), "simd");
    const store = checked.adoptStore!()!;
    const grads = weightStore(sizes, store.grads);
    const clean = Float32Array.from({ length: total }, () => random.uniform() - 0.5);
    for (const at of [0, 77_777, 100_002, 100_003, 250_000, total - 1]) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        store.grads.set(clean);
        store.grads[at] = bad;
        expect(checked.applyIfFinite(grads), `${bad} at ${at}`).toBe(false);
      }
    }
    expect(checked.iterations).toBe(0);
    store.grads.set(clean);
    expect(checked.applyIfFinite(grads)).toBe(true);
    expect(checked.iterations).toBe(1);
  }
});
