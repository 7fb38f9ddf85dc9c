// Random models built from the dense-family ops, for property tests of the interpreter's gradients
// and for differential tests of the generated kernels against the interpreter.
//
// A GraphRecipe is plain data (so fast-check can shrink and print it); buildRandomGraph turns it
// into a compiled DSL model. Every recipe builds: indices pick among the tensors made so far
// (modulo their number), and operands that do not fit are first made to fit.

import fc from "fast-check";
import {
  add,
  concatenate,
  dense,
  dropout,
  exp,
  flatten,
  input,
  log,
  mean,
  model,
  multiply,
  reshape,
  subtract,
  sum,
  type ActivationName,
  type AnyTensor,
  type CompiledModel,
  type LossName,
} from "typegrad/dsl";

/** Activations of hidden dense layers ("step" has its own, frozen, step kind). */
export const HIDDEN_ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leakyRelu", "softmax"] as const;
/** Output activations for the regression losses. */
export const REGRESSION_HEADS = ["linear", "sigmoid", "tanh", "leakyRelu"] as const;
export const ALL_LOSSES: readonly LossName[] = [
  "meanSquaredError",
  "meanAbsoluteError",
  "binaryCrossentropy",
  "categoricalCrossentropy",
  "sparseCategoricalCrossentropy",
];

/** `from` and `other` pick among the tensors made so far, modulo their number. */
export type StepRecipe =
  | {
      readonly kind: "dense";
      readonly from: number;
      readonly units: number;
      readonly activation: (typeof HIDDEN_ACTIVATIONS)[number];
      readonly useBias: boolean;
      /** Reuse an earlier dense layer with as many input features, when there is one (shared weights). */
      readonly share: boolean;
      readonly pick: number;
    }
  /** A frozen dense layer with a step activation, on a tensor no trainable weight feeds (an input, or an earlier such layer). */
  | { readonly kind: "stepDense"; readonly from: number; readonly units: number }
  | { readonly kind: "binary"; readonly op: "add" | "subtract" | "multiply"; readonly from: number; readonly other: number }
  | { readonly kind: "concatenate"; readonly from: number; readonly other: number }
  /** Flatten a [M, N]; reshape a [N] to [D, N / D] (D the smallest divisor above 1, or 1). */
  | { readonly kind: "reshape"; readonly from: number }
  | { readonly kind: "reduce"; readonly op: "sum" | "mean"; readonly from: number; readonly axis: 0 | -1 | null }
  /** exp of a bounded tensor (a tanh layer is put first when it is not). */
  | { readonly kind: "exp"; readonly from: number }
  /** log of a positive tensor (a sigmoid layer is put first when it is not). */
  | { readonly kind: "log"; readonly from: number }
  | { readonly kind: "dropout"; readonly from: number; readonly rate: number };

export interface GraphRecipe {
  /** 1-3 float inputs, [N] or [M, N]. */
  readonly inputs: readonly (readonly number[])[];
  readonly steps: readonly StepRecipe[];
  readonly loss: LossName;
  /** Units of the output layer (at least 2 for the categorical losses). */
  readonly outputUnits: number;
  /** The output activation for meanSquaredError and meanAbsoluteError (the others use sigmoid or softmax). */
  readonly regressionHead: (typeof REGRESSION_HEADS)[number];
  /** With a single [M, N] tensor left, apply the output layer to it directly: an [M, units] output. */
  readonly rankTwoOutput: boolean;
}

interface Entry {
  readonly tensor: AnyTensor;
  /** Every element > 0 (log may read it). */
  readonly positive: boolean;
  /** Every element in [-1, 1] (exp may read it). */
  readonly bounded: boolean;
  /** No trainable weight feeds it. */
  readonly constant: boolean;
  consumed: boolean;
}

type Apply = (x: AnyTensor) => AnyTensor;
type Binary = (a: AnyTensor, b: AnyTensor) => AnyTensor;
const call = (layer: unknown, x: AnyTensor) => (layer as Apply)(x);
const binaryOps: Record<"add" | "subtract" | "multiply", Binary> = {
  add: add as unknown as Binary,
  subtract: subtract as unknown as Binary,
  multiply: multiply as unknown as Binary,
};
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const last = (shape: readonly number[]) => shape[shape.length - 1]!;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

class Builder {
  readonly pool: Entry[] = [];
  private readonly layers: { layer: unknown; features: number; activation: string }[] = [];

  constructor(inputs: readonly AnyTensor[]) {
    for (const tensor of inputs) this.pool.push({ tensor, positive: false, bounded: false, constant: true, consumed: false });
  }

  take(index: number): Entry {
    const entry = this.pool[index % this.pool.length]!;
    entry.consumed = true;
    return entry;
  }

  push(tensor: AnyTensor, flags: Partial<Omit<Entry, "tensor" | "consumed">> = {}): Entry {
    const entry = { tensor, positive: false, bounded: false, constant: false, ...flags, consumed: false };
    this.pool.push(entry);
    return entry;
  }

  dense(x: AnyTensor, units: number, activation: ActivationName, options: { useBias?: boolean; share?: boolean; pick?: number } = {}): AnyTensor {
    const features = last(x.shape);
    const candidates = this.layers.filter((l) => l.features === features);
    if (options.share && candidates.length > 0) return call(candidates[(options.pick ?? 0) % candidates.length]!.layer, x);
    const layer = dense(units, { activation, useBias: options.useBias ?? true });
    this.layers.push({ layer, features, activation });
    return call(layer, x);
  }

  /** Rank 1: flatten a rank-2 tensor. */
  flat(x: AnyTensor): AnyTensor {
    return x.shape.length === 1 ? x : (flatten as unknown as Apply)(x);
  }

  /** Two operands of one shape: as they are, through a dense layer on the last axis, or both flattened and projected to a common width. */
  fitSameShape(x: AnyTensor, y: AnyTensor): [AnyTensor, AnyTensor] {
    if (sameShape(x.shape, y.shape)) return [x, y];
    if (sameShape(x.shape.slice(0, -1), y.shape.slice(0, -1))) return [x, this.dense(y, last(x.shape), "linear")];
    const [fx, fy] = [this.flat(x), this.flat(y)];
    const width = Math.min(6, last(fx.shape));
    return [last(fx.shape) === width ? fx : this.dense(fx, width, "linear"), this.dense(fy, width, "linear")];
  }

  /** Two operands with the same leading dimensions, for concatenate. */
  fitLeading(x: AnyTensor, y: AnyTensor): [AnyTensor, AnyTensor] {
    if (sameShape(x.shape.slice(0, -1), y.shape.slice(0, -1))) return [x, y];
    return [this.flat(x), this.flat(y)];
  }

  step(s: StepRecipe): void {
    switch (s.kind) {
      case "dense": {
        const x = this.take(s.from);
        const out = this.dense(x.tensor, s.units, s.activation, { useBias: s.useBias, share: s.share, pick: s.pick });
        const node = out.origin.kind === "op" ? out.origin.op : "";
        this.push(out, { positive: node === "sigmoid" || node === "softmax", bounded: ["sigmoid", "tanh", "softmax"].includes(node) });
        return;
      }
      case "stepDense": {
        const constants = this.pool.filter((e) => e.constant);
        const x = constants[s.from % constants.length]!;
        x.consumed = true;
        const layer = dense(s.units, { activation: "step", trainable: false });
        this.push(call(layer, x.tensor), { bounded: true, constant: true });
        return;
      }
      case "binary": {
        const [a, b] = [this.take(s.from), this.take(s.other)];
        const [x, y] = this.fitSameShape(a.tensor, b.tensor);
        const positive = s.op !== "subtract" && x === a.tensor && y === b.tensor && a.positive && b.positive;
        const bounded = s.op === "multiply" && x === a.tensor && y === b.tensor && a.bounded && b.bounded;
        this.push(binaryOps[s.op](x, y), { positive, bounded, constant: a.constant && b.constant && x === a.tensor && y === b.tensor });
        return;
      }
      case "concatenate": {
        const [a, b] = [this.take(s.from), this.take(s.other)];
        const [x, y] = this.fitLeading(a.tensor, b.tensor);
        this.push((concatenate as unknown as Binary)(x, y), { positive: a.positive && b.positive, bounded: a.bounded && b.bounded, constant: a.constant && b.constant });
        return;
      }
      case "reshape": {
        const a = this.take(s.from);
        const n = a.tensor.shape[0]!;
        const divisor = [2, 3, 5].find((d) => n % d === 0 && d < n) ?? 1;
        const shape = a.tensor.shape.length === 1 ? [divisor, n / divisor] : [sizeOf(a.tensor.shape)];
        this.push((reshape as unknown as (x: AnyTensor, s: number[]) => AnyTensor)(a.tensor, shape), { positive: a.positive, bounded: a.bounded, constant: a.constant });
        return;
      }
      case "reduce": {
        const a = this.take(s.from);
        const op = (s.op === "sum" ? sum : mean) as unknown as (x: AnyTensor, axis?: number) => AnyTensor;
        const reduced = s.axis === null ? op(a.tensor) : op(a.tensor, s.axis);
        const out = reduced.shape.length === 0 ? (reshape as unknown as (x: AnyTensor, s: number[]) => AnyTensor)(reduced, [1]) : reduced;
        this.push(out, { positive: a.positive, bounded: a.bounded && s.op === "mean", constant: a.constant });
        return;
      }
      case "exp": {
        const a = this.take(s.from);
        const x = a.bounded ? a.tensor : this.dense(a.tensor, last(a.tensor.shape), "tanh");
        this.push((exp as unknown as Apply)(x), { positive: true, constant: a.constant && a.bounded });
        return;
      }
      case "log": {
        const a = this.take(s.from);
        const x = a.positive ? a.tensor : this.dense(a.tensor, last(a.tensor.shape), "sigmoid");
        this.push((log as unknown as Apply)(x), { constant: a.constant && a.positive });
        return;
      }
      case "dropout": {
        const a = this.take(s.from);
        // In training a dropped unit is 0 and a kept one is scaled: neither positive nor bounded.
        this.push(call(dropout(s.rate), a.tensor), { constant: a.constant });
        return;
      }
    }
  }

  /** The output: every tensor no step read, joined, through the output layer. */
  output(recipe: GraphRecipe): AnyTensor {
    const leaves = this.pool.filter((e) => !e.consumed).map((e) => e.tensor);
    const activation: ActivationName =
      recipe.loss === "binaryCrossentropy" ? "sigmoid" : recipe.loss.includes("ategorical") ? "softmax" : recipe.regressionHead;
    if (leaves.length === 1 && recipe.rankTwoOutput && leaves[0]!.shape.length === 2) return this.dense(leaves[0]!, recipe.outputUnits, activation);
    const flat = leaves.map((t) => this.flat(t));
    const joined = flat.length === 1 ? flat[0]! : (concatenate as unknown as (...xs: AnyTensor[]) => AnyTensor)(...flat);
    return this.dense(joined, recipe.outputUnits, activation);
  }
}

/** The compiled model of a recipe. */
export function buildRandomGraph(recipe: GraphRecipe): CompiledModel {
  const inputs = recipe.inputs.map((shape) => (input as unknown as (s: readonly number[]) => AnyTensor)(shape));
  const builder = new Builder(inputs);
  for (const step of recipe.steps) builder.step(step);
  const output = builder.output(recipe);
  return model({ inputs, outputs: output }).compile({ loss: recipe.loss, optimizer: "sgd" }) as unknown as CompiledModel;
}

const dim = fc.integer({ min: 1, max: 6 });
const index = fc.nat({ max: 99 });

const inputShape = fc.oneof(
  dim.map((n) => [n]),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })).map(([m, n]) => [m, n]),
);

const stepRecipe: fc.Arbitrary<StepRecipe> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("dense" as const), from: index, units: dim, activation: fc.constantFrom(...HIDDEN_ACTIVATIONS), useBias: fc.boolean(), share: fc.boolean(), pick: index }), weight: 4 },
  fc.record({ kind: fc.constant("stepDense" as const), from: index, units: dim }),
  { arbitrary: fc.record({ kind: fc.constant("binary" as const), op: fc.constantFrom("add" as const, "subtract" as const, "multiply" as const), from: index, other: index }), weight: 2 },
  fc.record({ kind: fc.constant("concatenate" as const), from: index, other: index }),
  fc.record({ kind: fc.constant("reshape" as const), from: index }),
  fc.record({ kind: fc.constant("reduce" as const), op: fc.constantFrom("sum" as const, "mean" as const), from: index, axis: fc.constantFrom(0 as const, -1 as const, null) }),
  fc.record({ kind: fc.constant("exp" as const), from: index }),
  fc.record({ kind: fc.constant("log" as const), from: index }),
  fc.record({ kind: fc.constant("dropout" as const), from: index, rate: fc.constantFrom(0.1, 0.5) }),
);

/** Recipes: 1-3 inputs, 1-6 steps, every loss, sizes 1-6. */
export const graphRecipe: fc.Arbitrary<GraphRecipe> = fc
  .record({
    inputs: fc.array(inputShape, { minLength: 1, maxLength: 3 }),
    steps: fc.array(stepRecipe, { minLength: 1, maxLength: 6 }),
    loss: fc.constantFrom(...ALL_LOSSES),
    outputUnits: dim,
    regressionHead: fc.constantFrom(...REGRESSION_HEADS),
    rankTwoOutput: fc.boolean(),
  })
  .map((r) => (r.loss.includes("ategorical") && r.outputUnits < 2 ? { ...r, outputUnits: 2 } : r));

export interface RandomGraph {
  readonly recipe: GraphRecipe;
  readonly model: CompiledModel;
  /** 1-4. */
  readonly batch: number;
  /** Seeds the weights, inputs, targets and dropout masks (test/support/random-data.ts). */
  readonly dataSeed: number;
}

/**
 * Random compiled models of the dense-family ops (dense with every activation, a frozen step
 * layer, add/subtract/multiply, concatenate, reshape/flatten, sum/mean with and without an axis,
 * exp on bounded and log on positive tensors, dropout), with 1-3 inputs, shared dense layers and
 * every loss; plus a batch size of 1-4 and a seed for the data. Printed as its recipe.
 */
export const randomGraph: fc.Arbitrary<RandomGraph> = fc
  .record({ recipe: graphRecipe, batch: fc.integer({ min: 1, max: 4 }), dataSeed: fc.nat({ max: 2 ** 31 - 1 }) })
  .map(({ recipe, batch, dataSeed }) => {
    const graph = { recipe, model: buildRandomGraph(recipe), batch, dataSeed };
    return Object.assign(graph, { [fc.toStringMethod]: () => `RandomGraph ${JSON.stringify({ recipe, batch, dataSeed })}` });
  });
