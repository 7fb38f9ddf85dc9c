// Random models built from the dense-family ops, embeddings and normalisations, for property tests of
// the interpreter's gradients and for differential tests of the generated kernels against the
// interpreter.
//
// A GraphRecipe is plain data (so fast-check can shrink and print it); buildRandomGraph turns it
// into a compiled DSL model. Every recipe builds: indices pick among the tensors made so far
// (modulo their number), and operands that do not fit are first made to fit.
//
// Embeddings and normalisations are drawn where their gradients mean something (the Flags below
// track what each tensor's values allow):
// - batchNormalization subtracts each channel's batch mean and divides by its deviation. A trainable
//   per-channel shift or scale before it (a bias, an embedding row whose ids coincide across the
//   batch, an earlier normalisation's beta or gamma) gets a zero gradient through piecewise-linear
//   ops and a nearly zero one through a smooth activation in its almost linear range, and a channel
//   equal across the batch (token embeddings, frozen step units) leaves only rounding to normalise:
//   a comparison against zero, or against noise, sees float32 rounding alone. So it reads a tensor
//   that varies across the batch and that no such weight reaches: an input, or a bias-free layer of
//   one, as Keras puts a bias-free layer before it. Batches give each statistic at least 3 values
//   (smallestBatch): over 1, x̂ is 0; over 2, ±1 up to epsilon, and the gradient through it nearly
//   vanishes. Under meanAbsoluteError the head is then tanh (see regressionHead).
// - layerNormalization reads at least 3 features that differ within an example and that no weight
//   shifts all alike (a linear layer is put first otherwise).
// - embedding reads an int32 input of token ids, drawn below TOKEN_VOCABULARY.
// And for every graph: a sum over the features of a softmax or of a layer normalisation without
// scale (a constant) reads a tanh layer of it instead, x − x subtracts a new layer of x instead, a
// hidden softmax has at least 2 units, and draws whose output saturates are redrawn (saturated).

import fc from "fast-check";
import {
  add,
  batchNormalization,
  concatenate,
  dense,
  dropout,
  embedding,
  exp,
  flatten,
  input,
  layerNormalization,
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
  type GraphIR,
  type LossName,
} from "typegrad/dsl";
import { forward } from "../../codegen/interpreter";
import { randomDropoutMasks, randomInputs, randomParams } from "./random-data";

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
/**
 * Token ids are drawn below this (test/support/random-data.ts randomInputs' `vocabulary`: the
 * differential test passes 5); every embedding's inputDim is at least this.
 */
export const TOKEN_VOCABULARY = 5;
/** The ops of the embedding and normalisation steps, for counting how often a run draws them. */
export const LAYER_OPS = ["embedding", "batchNormalization", "layerNormalization"] as const;

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
  | { readonly kind: "dropout"; readonly from: number; readonly rate: number }
  /**
   * An embedding of int32 token ids: `input` picks among the int32 inputs made so far, or (modulo
   * their number + 1, so always when there is none) makes a new one of shape `ids`, [T] or [M, T].
   * The [T, D] output, or [M, T, D] reshaped to [M * T, D], joins the tensors.
   */
  | {
      readonly kind: "embedding";
      readonly input: number;
      readonly ids: readonly number[];
      readonly inputDim: number;
      readonly outputDim: number;
      /** Reuse an earlier embedding table, when there is one. */
      readonly share: boolean;
      readonly pick: number;
    }
  /** `from` picks among the tensors that vary across the batch and no per-channel weight reaches (see Flags). Null options take Keras' defaults. */
  | {
      readonly kind: "batchNormalization";
      readonly from: number;
      readonly momentum: number | null;
      readonly epsilon: number | null;
      readonly center: boolean;
      readonly scale: boolean;
      /** Reuse an earlier batch normalisation of as many channels, when there is one. */
      readonly share: boolean;
      readonly pick: number;
    }
  | {
      readonly kind: "layerNormalization";
      readonly from: number;
      readonly epsilon: number | null;
      readonly center: boolean;
      readonly scale: boolean;
      /** Reuse an earlier layer normalisation of as many features, when there is one. */
      readonly share: boolean;
      readonly pick: number;
    };

export interface GraphRecipe {
  /** 1-3 float inputs, [N] or [M, N] (embedding steps add int32 ones). */
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

/** What is known of a tensor's values, for the steps that need more than a shape. */
interface Flags {
  /** Every element > 0 (log may read it). */
  readonly positive: boolean;
  /** Every element in [-1, 1] (exp may read it). */
  readonly bounded: boolean;
  /** No trainable weight feeds it. */
  readonly constant: boolean;
  /** Every element varies across the examples of a batch (batch statistics are never degenerate). */
  readonly varied: boolean;
  /** The features along the last axis of an example are not all equal (a layer normalisation has a spread to normalise). */
  readonly spread: boolean;
  /**
   * A trainable per-channel shift or scale (a bias, a normalisation's β or γ, an embedding row) may
   * reach it through ops that act on each channel alone, or mix channels linearly: a batch
   * normalisation would cancel it, exactly through piecewise-linear ones and nearly where a smooth
   * activation works in its almost linear range.
   */
  readonly channelAffine: boolean;
  /** A trainable shift may reach it alike along its whole last axis (a layer normalisation would cancel it). */
  readonly uniformShift: boolean;
  /** Its sum over the last axis does not depend on its inputs (a softmax's is 1; a layer normalisation's without scale, Σ β). */
  readonly fixedSum: boolean;
}

interface Value extends Flags {
  readonly tensor: AnyTensor;
  /** How it is computed, reshapes aside: two values of one key and shape are equal. */
  readonly key: string;
}

interface Entry extends Value {
  consumed: boolean;
}

type Apply = (x: AnyTensor) => AnyTensor;
type Binary = (a: AnyTensor, b: AnyTensor) => AnyTensor;
const call = (layer: unknown, x: AnyTensor) => (layer as Apply)(x);
const reshapeTo = reshape as unknown as (x: AnyTensor, s: number[]) => AnyTensor;
const binaryOps: Record<"add" | "subtract" | "multiply", Binary> = {
  add: add as unknown as Binary,
  subtract: subtract as unknown as Binary,
  multiply: multiply as unknown as Binary,
};
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const last = (shape: readonly number[]) => shape[shape.length - 1]!;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
/** Activations through which a per-channel shift, or a gradient alike over the batch, stays one wherever a unit keeps its side of the kink. */
const PIECEWISE_LINEAR: readonly string[] = ["linear", "relu", "leakyRelu"];

const INPUT_FLAGS: Flags = {
  positive: false,
  bounded: false,
  constant: true,
  varied: true,
  spread: true,
  channelAffine: false,
  uniformShift: false,
  fixedSum: false,
};

/** A layer normalisation reads at least this many features (over 2 the normalised values are ±1 up to epsilon). */
const MIN_NORMALIZED_FEATURES = 3;

class Builder {
  readonly pool: Entry[] = [];
  /** The int32 inputs embedding steps made, in order. */
  readonly tokenInputs: AnyTensor[] = [];
  private readonly layers: { layer: unknown; features: number; units: number; activation: ActivationName; useBias: boolean }[] = [];
  private readonly tables: unknown[] = [];
  private readonly norms: { kind: "batchNormalization" | "layerNormalization"; layer: unknown; features: number; center: boolean; scale: boolean }[] = [];
  /** Numbers the steps' own layers (dropout, step) for keys. */
  private made = 0;

  constructor(inputs: readonly AnyTensor[]) {
    inputs.forEach((tensor, i) => this.pool.push({ tensor, ...INPUT_FLAGS, key: `input${i}`, consumed: false }));
  }

  take(index: number): Entry {
    const entry = this.pool[index % this.pool.length]!;
    entry.consumed = true;
    return entry;
  }

  push(value: Value): Entry {
    const entry = { ...value, consumed: false };
    this.pool.push(entry);
    return entry;
  }

  dense(x: Value, units: number, activation: ActivationName, options: { useBias?: boolean; share?: boolean; pick?: number } = {}): Value {
    const features = last(x.tensor.shape);
    const candidates = this.layers.filter((l) => l.features === features);
    let chosen = options.share && candidates.length > 0 ? candidates[(options.pick ?? 0) % candidates.length]! : undefined;
    if (!chosen) {
      const useBias = options.useBias ?? true;
      // A softmax over one unit would be 1 whatever its weights: two at least.
      const width = activation === "softmax" ? Math.max(2, units) : units;
      chosen = { layer: dense(width, { activation, useBias }), features, units: width, activation, useBias };
      this.layers.push(chosen);
    }
    const tensor = call(chosen.layer, x.tensor);
    const act = chosen.activation;
    return {
      tensor,
      key: `dense${this.layers.indexOf(chosen)}(${x.key})`,
      positive: act === "sigmoid" || act === "softmax",
      bounded: act === "sigmoid" || act === "tanh" || act === "softmax",
      constant: false,
      varied: x.varied,
      spread: chosen.useBias || x.spread,
      channelAffine: chosen.useBias || x.channelAffine,
      uniformShift: false,
      fixedSum: act === "softmax",
    };
  }

  /** Rank 1: flatten a rank-2 tensor. */
  flat(x: Value): Value {
    return x.tensor.shape.length === 1 ? x : { ...x, tensor: (flatten as unknown as Apply)(x.tensor) };
  }

  /** Two operands of one shape: as they are, through a dense layer on the last axis, or both flattened and projected to a common width. */
  fitSameShape(x: Value, y: Value): [Value, Value] {
    if (sameShape(x.tensor.shape, y.tensor.shape)) return [x, y];
    if (sameShape(x.tensor.shape.slice(0, -1), y.tensor.shape.slice(0, -1))) return [x, this.dense(y, last(x.tensor.shape), "linear")];
    const [fx, fy] = [this.flat(x), this.flat(y)];
    const width = Math.min(6, last(fx.tensor.shape));
    return [last(fx.tensor.shape) === width ? fx : this.dense(fx, width, "linear"), this.dense(fy, width, "linear")];
  }

  /** Two operands with the same leading dimensions, for concatenate. */
  fitLeading(x: Value, y: Value): [Value, Value] {
    if (sameShape(x.tensor.shape.slice(0, -1), y.tensor.shape.slice(0, -1))) return [x, y];
    return [this.flat(x), this.flat(y)];
  }

  step(s: StepRecipe): void {
    switch (s.kind) {
      case "dense": {
        const x = this.take(s.from);
        this.push(this.dense(x, s.units, s.activation, { useBias: s.useBias, share: s.share, pick: s.pick }));
        return;
      }
      case "stepDense": {
        const constants = this.pool.filter((e) => e.constant);
        const x = constants[s.from % constants.length]!;
        x.consumed = true;
        const layer = dense(s.units, { activation: "step", trainable: false });
        // 0 or 1: possibly alike across the batch and along the features.
        this.push({ ...INPUT_FLAGS, tensor: call(layer, x.tensor), key: `step${this.made++}(${x.key})`, bounded: true, varied: false, spread: false });
        return;
      }
      case "binary": {
        const [a, b] = [this.take(s.from), this.take(s.other)];
        const [x, fitted] = this.fitSameShape(a, b);
        // x − x is 0 whatever the weights before it (the same tensor twice, or a shared layer's two
        // calls on it): their gradients would be rounding noise, so subtract a new layer of it.
        const y = s.op === "subtract" && x.key === fitted.key ? this.dense(fitted, last(fitted.tensor.shape), "linear") : fitted;
        const exact = x === a && y === b;
        const tensor = binaryOps[s.op](x.tensor, y.tensor);
        const key = `${s.op}(${x.key}, ${y.key})`;
        const either = (f: keyof Flags) => x[f] || y[f];
        const both = (f: keyof Flags) => x[f] && y[f];
        const flags = {
          positive: s.op !== "subtract" && exact && a.positive && b.positive,
          bounded: s.op === "multiply" && exact && a.bounded && b.bounded,
          constant: exact && a.constant && b.constant,
          channelAffine: either("channelAffine"),
          uniformShift: either("uniformShift"),
        };
        if (s.op === "multiply") {
          this.push({ tensor, key, ...flags, varied: both("varied"), spread: both("spread"), fixedSum: false });
        } else {
          this.push({ tensor, key, ...flags, varied: either("varied"), spread: either("spread"), fixedSum: both("fixedSum") });
        }
        return;
      }
      case "concatenate": {
        const [a, b] = [this.take(s.from), this.take(s.other)];
        const [x, y] = this.fitLeading(a, b);
        this.push({
          tensor: (concatenate as unknown as Binary)(x.tensor, y.tensor),
          key: `concatenate(${x.key}, ${y.key})`,
          positive: a.positive && b.positive,
          bounded: a.bounded && b.bounded,
          constant: a.constant && b.constant,
          varied: a.varied && b.varied,
          spread: a.spread || b.spread,
          channelAffine: a.channelAffine || b.channelAffine,
          uniformShift: a.uniformShift && b.uniformShift,
          fixedSum: a.fixedSum && b.fixedSum,
        });
        return;
      }
      case "reshape": {
        const a = this.take(s.from);
        const n = a.tensor.shape[0]!;
        const divisor = [2, 3, 5].find((d) => n % d === 0 && d < n) ?? 1;
        const rankOne = a.tensor.shape.length === 1;
        const shape = rankOne ? [divisor, n / divisor] : [sizeOf(a.tensor.shape)];
        // Splitting a [N] splits its sum; flattening keeps it.
        this.push({ ...a, tensor: reshapeTo(a.tensor, shape), fixedSum: a.fixedSum && !rankOne });
        return;
      }
      case "reduce": {
        const a = this.take(s.from);
        const rank = a.tensor.shape.length;
        const acrossFeatures = s.axis !== 0 || rank === 1;
        // A sum over the features of a softmax, or of a layer normalisation without scale, is a constant: sum a tanh layer of it.
        const x = acrossFeatures && a.fixedSum ? this.dense(a, last(a.tensor.shape), "tanh") : a;
        const op = (s.op === "sum" ? sum : mean) as unknown as (x: AnyTensor, axis?: number) => AnyTensor;
        const reduced = s.axis === null ? op(x.tensor) : op(x.tensor, s.axis);
        const out = reduced.shape.length === 0 ? reshapeTo(reduced, [1]) : reduced;
        this.push({
          ...x,
          tensor: out,
          key: `${s.op}${s.axis}(${x.key})`,
          bounded: x.bounded && s.op === "mean",
          // A per-feature shift summed over the features shifts every row alike.
          uniformShift: x.uniformShift || (rank === 2 && s.axis === -1 && x.channelAffine),
          fixedSum: x.fixedSum && !acrossFeatures,
        });
        return;
      }
      case "exp": {
        const a = this.take(s.from);
        const x = a.bounded ? a : this.dense(a, last(a.tensor.shape), "tanh");
        this.push({ ...x, tensor: (exp as unknown as Apply)(x.tensor), key: `exp(${x.key})`, positive: true, bounded: false, constant: a.constant && a.bounded, fixedSum: false });
        return;
      }
      case "log": {
        const a = this.take(s.from);
        const x = a.positive ? a : this.dense(a, last(a.tensor.shape), "sigmoid");
        this.push({ ...x, tensor: (log as unknown as Apply)(x.tensor), key: `log(${x.key})`, positive: false, bounded: false, constant: a.constant && a.positive, fixedSum: false });
        return;
      }
      case "dropout": {
        const a = this.take(s.from);
        // In training a dropped unit is 0 and a kept one is scaled: neither positive nor bounded.
        this.push({ ...a, tensor: call(dropout(s.rate), a.tensor), key: `dropout${this.made++}(${a.key})`, positive: false, bounded: false });
        return;
      }
      case "embedding": {
        const slot = s.input % (this.tokenInputs.length + 1);
        let ids = this.tokenInputs[slot];
        if (!ids) {
          ids = (input as unknown as (shape: readonly number[], o: { dtype: "int32" }) => AnyTensor)(s.ids, { dtype: "int32" });
          this.tokenInputs.push(ids);
        }
        let table = s.share && this.tables.length > 0 ? this.tables[s.pick % this.tables.length] : undefined;
        if (!table) this.tables.push((table = embedding(Math.max(TOKEN_VOCABULARY, s.inputDim), s.outputDim)));
        const embedded = call(table, ids);
        const shape = embedded.shape;
        const tensor = shape.length === 3 ? reshapeTo(embedded, [shape[0]! * shape[1]!, shape[2]!]) : embedded;
        // Rows of a trainable table: ids may coincide across the batch, so a row may be a per-channel constant.
        const key = `embedding${this.tables.indexOf(table)}(ids${this.tokenInputs.indexOf(ids)})`;
        this.push({ ...INPUT_FLAGS, tensor, key, constant: false, varied: false, channelAffine: true });
        return;
      }
      case "batchNormalization": {
        // The inputs always qualify.
        const candidates = this.pool.filter((e) => e.varied && !e.channelAffine);
        const x = candidates[s.from % candidates.length]!;
        x.consumed = true;
        const options = { ...(s.momentum === null ? {} : { momentum: s.momentum }), ...(s.epsilon === null ? {} : { epsilon: s.epsilon }) };
        const norm = this.norm("batchNormalization", x, s, () => batchNormalization({ ...options, center: s.center, scale: s.scale }));
        this.push({
          ...INPUT_FLAGS,
          tensor: call(norm.layer, x.tensor),
          key: `batchNormalization${this.norms.indexOf(norm)}(${x.key})`,
          constant: x.constant && !norm.center && !norm.scale,
          channelAffine: norm.center || norm.scale,
        });
        return;
      }
      case "layerNormalization": {
        const a = this.take(s.from);
        const features = last(a.tensor.shape);
        const fit = features < MIN_NORMALIZED_FEATURES || !a.spread || a.uniformShift;
        const x = fit ? this.dense(a, Math.max(MIN_NORMALIZED_FEATURES, features), "linear") : a;
        const options = s.epsilon === null ? {} : { epsilon: s.epsilon };
        const norm = this.norm("layerNormalization", x, s, () => layerNormalization({ ...options, center: s.center, scale: s.scale }));
        this.push({
          ...INPUT_FLAGS,
          tensor: call(norm.layer, x.tensor),
          key: `layerNormalization${this.norms.indexOf(norm)}(${x.key})`,
          constant: x.constant && !norm.center && !norm.scale,
          varied: x.varied,
          channelAffine: norm.center || norm.scale || x.channelAffine,
          // Σ (x̂ + β) = Σ β.
          fixedSum: !norm.scale,
        });
        return;
      }
    }
  }

  /** An earlier normalisation of this kind and width when the step shares one (x may be its own output), else a new one. */
  private norm(
    kind: "batchNormalization" | "layerNormalization",
    x: Value,
    s: { readonly share: boolean; readonly pick: number; readonly center: boolean; readonly scale: boolean },
    make: () => unknown,
  ) {
    const features = last(x.tensor.shape);
    const candidates = this.norms.filter((n) => n.kind === kind && n.features === features);
    if (s.share && candidates.length > 0) return candidates[s.pick % candidates.length]!;
    const made = { kind, layer: make(), features, center: s.center, scale: s.scale };
    this.norms.push(made);
    return made;
  }

  /** The output: every tensor no step read, joined, through the output layer. */
  output(recipe: GraphRecipe): AnyTensor {
    const leaves = this.pool.filter((e) => !e.consumed);
    const activation: ActivationName =
      recipe.loss === "binaryCrossentropy" ? "sigmoid" : recipe.loss.includes("ategorical") ? "softmax" : this.regressionHead(recipe);
    if (leaves.length === 1 && recipe.rankTwoOutput && leaves[0]!.tensor.shape.length === 2) return this.dense(leaves[0]!, recipe.outputUnits, activation).tensor;
    const flat = leaves.map((t) => this.flat(t).tensor);
    const joined = flat.length === 1 ? flat[0]! : (concatenate as unknown as (...xs: AnyTensor[]) => AnyTensor)(...flat);
    return this.dense({ ...INPUT_FLAGS, tensor: joined, key: "output" }, recipe.outputUnits, activation).tensor;
  }

  /**
   * The recipe's head, but tanh for meanAbsoluteError after a batch normalisation: the error's
   * gradient is ±1, alike over the batch wherever the predictions sit on one side of their targets,
   * and through a (piecewise-)linear head batch normalisation would subtract all of it.
   */
  private regressionHead(recipe: GraphRecipe): ActivationName {
    const batchNormalized = this.norms.some((n) => n.kind === "batchNormalization");
    return recipe.loss === "meanAbsoluteError" && batchNormalized && PIECEWISE_LINEAR.includes(recipe.regressionHead) ? "tanh" : recipe.regressionHead;
  }
}

/** The compiled model of a recipe. */
export function buildRandomGraph(recipe: GraphRecipe): CompiledModel {
  const inputs = recipe.inputs.map((shape) => (input as unknown as (s: readonly number[]) => AnyTensor)(shape));
  const builder = new Builder(inputs);
  for (const step of recipe.steps) builder.step(step);
  const output = builder.output(recipe);
  return model({ inputs: [...inputs, ...builder.tokenInputs], outputs: output }).compile({ loss: recipe.loss, optimizer: "sgd" }) as unknown as CompiledModel;
}

/**
 * The smallest batch that gives every batch normalisation of the IR at least 3 values per channel
 * statistic (positions of an example times examples), and at least 2 examples: over one example a
 * [M, C] tensor's rows would sum to a constant after it.
 */
export function smallestBatch(ir: GraphIR): number {
  const positions = ir.nodes
    .filter((n) => n.op === "batchNormalization")
    .map((n) => {
      const x = ir.nodes.find((m) => m.id === n.inputs[0])!;
      return sizeOf(x.shape) / last(x.shape);
    });
  if (positions.length === 0) return 1;
  return Math.max(2, Math.ceil(3 / Math.min(...positions)));
}

/** Which of LAYER_OPS an IR holds. */
export function layerOpsIn(ir: GraphIR): Set<(typeof LAYER_OPS)[number]> {
  return new Set(LAYER_OPS.filter((op) => ir.nodes.some((n) => n.op === op)));
}

const dim = fc.integer({ min: 1, max: 6 });
const index = fc.nat({ max: 99 });

const inputShape = fc.oneof(
  dim.map((n) => [n]),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })).map(([m, n]) => [m, n]),
);

const tokenShape = fc.oneof(
  fc.integer({ min: 1, max: 4 }).map((t) => [t]),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([m, t]) => [m, t]),
);

const epsilon = fc.constantFrom(null, 1e-2, 0.1);

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
  fc.record({
    kind: fc.constant("embedding" as const),
    input: index,
    ids: tokenShape,
    inputDim: fc.integer({ min: TOKEN_VOCABULARY, max: TOKEN_VOCABULARY + 2 }),
    outputDim: fc.integer({ min: 1, max: 4 }),
    share: fc.boolean(),
    pick: index,
  }),
  fc.record({
    kind: fc.constant("batchNormalization" as const),
    from: index,
    momentum: fc.constantFrom(null, 0.9, 0.5, 0.1),
    epsilon,
    center: fc.boolean(),
    scale: fc.boolean(),
    share: fc.boolean(),
    pick: index,
  }),
  fc.record({ kind: fc.constant("layerNormalization" as const), from: index, epsilon, center: fc.boolean(), scale: fc.boolean(), share: fc.boolean(), pick: index }),
);

/** Recipes: 1-3 float inputs, 1-6 steps, every loss, sizes 1-6. */
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
  /** 1-4 (at least smallestBatch). */
  readonly batch: number;
  /** Seeds the weights, inputs, targets and dropout masks (test/support/random-data.ts). */
  readonly dataSeed: number;
}

/**
 * Random compiled models of the dense-family ops (dense with every activation, a frozen step
 * layer, add/subtract/multiply, concatenate, reshape/flatten, sum/mean with and without an axis,
 * exp on bounded and log on positive tensors, dropout), embeddings of int32 token ids, batch and
 * layer normalisation, with 1-3 float inputs, shared layers and every loss; plus a batch size of 1-4
 * (raised to smallestBatch) and a seed for the data. Printed as its recipe.
 */
export const randomGraph: fc.Arbitrary<RandomGraph> = fc
  .record({ recipe: graphRecipe, batch: fc.integer({ min: 1, max: 4 }), dataSeed: fc.nat({ max: 2 ** 31 - 1 }) })
  .map(({ recipe, batch: drawn, dataSeed }) => {
    const built = buildRandomGraph(recipe);
    const graph = { recipe, model: built, batch: Math.max(drawn, smallestBatch(built.ir)), dataSeed };
    return Object.assign(graph, { [fc.toStringMethod]: () => `RandomGraph ${JSON.stringify({ recipe, batch: graph.batch, dataSeed })}` });
  })
  .filter((graph) => !saturated(graph));

/**
 * Whether the output saturates on the graph's seeded data (test/support/random-data.ts, as both
 * property tests draw it: weights from dataSeed, inputs from dataSeed + 1 with ids below
 * TOKEN_VOCABULARY) in the float64 interpreter, at inference or in training: a crossentropy's
 * probability within 1e-5 of 0 or 1, or a regression head's sigmoid or tanh within 1e-3 of its
 * bounds. Past the crossentropy clip to [1e-7, 1 − 1e-7] the generated kernels' fused seed p − y and
 * the interpreter's gradient through the clip (0 for a clipped term) part; short of it, and on a flat
 * head, float32 has lost the digits of 1 − p, so every gradient is left to rounding. Such draws are
 * redrawn.
 */
function saturated({ model: { ir }, batch, dataSeed }: RandomGraph): boolean {
  const out = ir.nodes.find((n) => n.id === ir.outputs[0])!;
  const crossentropy = ir.training!.loss.includes("rossentropy");
  if (out.op !== "softmax" && out.op !== "sigmoid" && out.op !== "tanh") return false;
  const margin = crossentropy ? 1e-5 : 1e-3;
  // Softmax probabilities over the last axis; a sigmoid's and a tanh's one by one (a tanh's mapped to [0, 1]).
  const width = out.op === "softmax" ? last(out.shape) : 1;
  const near = (q: number) => !(q > margin && q < 1 - margin);
  const params = randomParams(ir, dataSeed);
  const inputs = randomInputs(ir, batch, dataSeed + 1, TOKEN_VOCABULARY);
  const dropoutMasks = randomDropoutMasks(ir, batch, dataSeed + 3);
  return [false, true].some((training) => {
    const p = forward(ir, params, inputs, batch, { training, dropoutMasks }).get(out.id)!;
    for (let v = 0; v < p.length; v += width) {
      const row = Array.from(p.subarray(v, v + width), (y) => (out.op === "tanh" ? (y + 1) / 2 : y));
      const total = out.op === "softmax" ? row.reduce((a, b) => a + b, 0) : 1;
      if (row.some((q) => near(q / total))) return true;
    }
    return false;
  });
}
