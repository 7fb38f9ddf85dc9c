// The base class of every generated model: weights, optimiser and the Keras methods on top of the
// generated kernels.

import type { Shape } from "../dsl/types/shape";
import { flattenInput, flattenTargets, type ExampleData, type Flat, type InputRows, type TargetRule } from "./data";
import { loadSparseRows, sparseInput } from "./sparse-data";
import type { SparseRows } from "./kernels";
import { initialize } from "./initializers";
import type { KernelBuffers, Kernels, ModelSpec } from "./kernels";
import { createOptimizer, type Optimizer } from "./optimizers";
import { Random } from "./random";
import { accumulateMetric, metricMeans } from "./metrics";
import { runFit, type FitOptions } from "./fit";
import { withThreads, type ThreadCount } from "./threads/threads";
import type { History } from "./history";
import type { TrainingControl } from "./callbacks";
import { readFileBytes, writeFileAtomic } from "./files";
import { decodeWeights, encodeWeights } from "./weights-file";
import { product } from "./product";
import { weightStore } from "./weight-store";
import { residentFloats } from "./gemm/gemm";
import { checkDenseStackWeights, DenseStep } from "./dense-step/dense-step";
import { SparseMemory } from "./sparse/sparse-memory";
import { RefusedStep, StepGuard } from "./step-guard";
import { StepPart, stepTimer } from "./step-timing";

/** The format of generated modules this runtime runs. */
export const RUNTIME_GENERATED_FORMAT = 2;

/** What `new Model(options)` may change for one instance; the generated module stays as it is. */
export interface ModelOptions {
  /**
   * Seeds initialisation, dropout masks and shuffling of this instance instead of the seed the model
   * was compiled with (as keras.utils.set_random_seed): an integer in [0, 2^32). The same seed still
   * gives bit-identical training.
   */
  readonly seed?: number;
}

function seedOf(options: ModelOptions, compiled: number, who: string): number {
  const seed = options.seed;
  if (seed === undefined) return compiled;
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) throw new Error(`${who}: seed must be an integer in [0, 2^32), got ${seed}`);
  return seed;
}

/** For a model with a sparse input: its weights and gradients where the sparse products' WebAssembly reads them, or null. */
function createSparseMemory(spec: ModelSpec, sizes: readonly number[], gradSizes: readonly number[]): SparseMemory | null {
  const widths = spec.inputs.filter((i) => i.sparse).map((i) => product(i.shape));
  if (widths.length === 0) return null;
  const sum = (list: readonly number[]) => list.reduce((total, size) => total + size, 0);
  return SparseMemory.create(sum(sizes), sum(gradSizes), Math.max(...widths));
}

/** x for a model: one input's examples, or a tuple with one entry per input. */
export type InputData<Ins extends readonly Shape[]> = Ins extends readonly [Shape] ? ExampleData : { [I in keyof Ins]: ExampleData };


/** What evaluate, trainOnBatch and testOnBatch return: the loss, or [loss, ...metrics] when compiled with metrics. */
export type Evaluation<WithMetrics extends boolean> = WithMetrics extends true ? number[] : WithMetrics extends false ? number : number | number[];

export abstract class GeneratedModel<Ins extends readonly Shape[] = readonly Shape[], Out extends Shape = Shape, WithMetrics extends boolean = boolean> {
  /** Weights in Keras order (kernels row-major [in, out]), views of one store. */
  protected readonly weights: Float32Array[];
  /** Gradients of the trainable weights, in the same order, views of one store. */
  protected readonly grads: Float32Array[];
  /** The fused WebAssembly training step, for a dense stack where WebAssembly SIMD runs; else null. It then holds the weights. */
  private readonly denseStep: DenseStep | null;
  /** Whether load() has put a batch in the buffers since the last training step. */
  private batchLoaded = true;
  private readonly metricCount: number;
  protected optimizer: Optimizer;
  protected readonly random: Random;
  private readonly dropoutRandom: Random;
  /** Refuses steps with a non-finite loss or gradient, keeping the last finite step's state. */
  private readonly guard: StepGuard;
  private buffers: KernelBuffers | undefined;
  /** The optimiser whose memory holds the weights and gradients, when they were adopted. */
  private storeOwner: Optimizer | undefined;
  /** What the buffers' resident regions belong to: they go back to gemm's heap when the model (or a later allocation) drops it. */
  private bufferOwner: object | undefined;
  /**
   * Whether the buffers go to gemm's resident heap: not where a module of the model's own (a fused
   * dense step, the sparse input's) copies them into its memory, since copies out of a shared memory
   * are slower.
   */
  private readonly residentBuffers: boolean;
  private capacity = 0;
  declare readonly __shapes?: { inputs: Ins; output: Out };

  constructor(
    readonly spec: ModelSpec,
    readonly hash: string,
    format: number,
    protected readonly kernels: Kernels<any>,
    options: ModelOptions = {},
  ) {
    if (format !== RUNTIME_GENERATED_FORMAT) {
      throw new Error(`${this.constructor.name}: generated for format ${format}, this runtime runs format ${RUNTIME_GENERATED_FORMAT}; run typegrad gen`);
    }
    this.random = new Random(seedOf(options, spec.seed, this.constructor.name));
    const init = this.random.fork("initializers");
    // Streams by position, not name: the same architecture starts from the same weights in every style.
    const sizes = spec.params.map((p) => product(p.shape));
    const gradSizes = spec.params.filter((p) => p.trainable).map((p) => product(p.shape));
    this.denseStep = this.createDenseStep(sizes);
    const sparse = this.denseStep ? null : createSparseMemory(spec, sizes, gradSizes);
    this.residentBuffers = !this.denseStep && !sparse;
    this.weights = weightStore(sizes, this.denseStep?.weights ?? sparse?.weights);
    spec.params.forEach((p, i) => this.weights[i]!.set(initialize(p.initializer, p.shape, init.fork(String(i)))));
    this.grads = weightStore(gradSizes, this.denseStep?.grads ?? sparse?.grads);
    this.metricCount = spec.training?.metrics.length ?? 0;
    this.optimizer = createOptimizer(this.training.optimizer, this.trainableWeights());
    // weights held nowhere else, all the optimiser's: kept in its memory, so that a step copies none
    const store = this.denseStep || sparse || spec.params.some((p) => !p.trainable) ? null : (this.optimizer.adoptStore?.() ?? null);
    if (store) {
      this.storeOwner = this.optimizer; // kept when a load replaces the optimiser: the weights stay where it put them
      this.weights = weightStore(sizes, store.weights);
      this.grads = weightStore(gradSizes, store.grads);
    }
    this.guard = new StepGuard(spec, this.weights, this.grads);
    this.dropoutRandom = this.random.fork("dropout");
  }

  private createDenseStep(sizes: readonly number[]): DenseStep | null {
    const stack = this.kernels.denseStack;
    if (!stack) return null;
    checkDenseStackWeights(stack, sizes);
    if (this.spec.params.some((p) => !p.trainable)) throw new Error(`${this.constructor.name}: a dense stack's weights are all trainable; run typegrad gen`);
    return DenseStep.create(stack);
  }

  protected get training() {
    if (!this.spec.training) throw new Error(`${this.constructor.name}: the model was not compiled`);
    return this.spec.training;
  }

  protected trainableWeights(): Float32Array[] {
    return this.spec.params.flatMap((p, i) => (p.trainable ? [this.weights[i]!] : []));
  }

  protected get outputSize(): number {
    return product(this.spec.outputShape);
  }

  /** Buffers for at least `batch` examples (reallocated only when a larger batch arrives). */
  protected buffersFor(batch: number): KernelBuffers {
    if (this.buffers && batch <= this.capacity) return this.buffers;
    this.capacity = Math.max(batch, this.capacity);
    const owner = {};
    const floats = this.residentBuffers ? (count: number) => residentFloats(count, owner) : (count: number) => new Float32Array(count);
    const buffers: KernelBuffers = this.kernels.createBuffers(this.capacity, this.weights, this.grads, this.dropoutRandom, floats);
    this.buffers = buffers;
    this.bufferOwner = owner;
    return buffers;
  }

  // ------------------------------------------------------------ data

  protected inputsOf(x: unknown, what = "x"): InputRows[] {
    const inputs = this.spec.inputs;
    const rows = (data: unknown, input: (typeof inputs)[number], label: string): InputRows =>
      input.sparse ? sparseInput(data, input, label) : flattenInput(data, input, label, this.spec.idLimits[inputs.indexOf(input)] ?? null);
    if (inputs.length === 1) return [rows(x, inputs[0]!, what)];
    if (!Array.isArray(x) || x.length !== inputs.length) {
      throw new Error(`${what}: the model has ${inputs.length} inputs; pass a list with one array per input`);
    }
    const flats = inputs.map((input, i) => rows(x[i], input, `${what}[${i}] (input "${input.name}")`));
    const counts = new Set(flats.map((f) => f.count));
    if (counts.size > 1) throw new Error(`${what}: the inputs hold different numbers of examples (${flats.map((f) => f.count).join(", ")})`);
    return flats;
  }

  protected targetRule(): TargetRule {
    const shape = this.spec.outputShape;
    const width = shape.length ? shape[shape.length - 1]! : 1;
    const size = product(shape);
    switch (this.training.loss) {
      case "sparseCategoricalCrossentropy":
        return { perExample: size / width, classes: width };
      case "categoricalCrossentropy":
        return { perExample: size, oneHotWidth: width };
      default:
        return { perExample: size };
    }
  }

  protected targetsOf(y: unknown, count: number, what = "y"): Flat<Float32Array> {
    const targets = flattenTargets(y, this.targetRule(), what);
    if (targets.count !== count) throw new Error(`${what}: ${targets.count} targets for ${count} examples; x and y must hold the same number of examples`);
    return targets;
  }

  /** Copies examples [indices[from], ..., indices[from+batch-1]] into the input and target buffers. */
  protected load(bufs: KernelBuffers, inputs: readonly InputRows[], targets: Flat<Float32Array> | null, indices: Int32Array, from: number, batch: number): void {
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k]!;
      if ("kind" in input) loadSparseRows(input, bufs.inputs[k] as SparseRows, indices, from, batch);
      else copyRows(input.values, bufs.inputs[k] as Float32Array | Int32Array, indices, from, batch, input.values.length / input.count);
    }
    if (targets) copyRows(targets.values, bufs.target, indices, from, batch, targets.values.length / targets.count);
    this.batchLoaded = true;
  }

  // ------------------------------------------------------------ Keras methods

  /** Set by a callback to end fit after the current epoch. */
  stopTraining = false;

  /** Trains for `epochs` passes over the data; returns the per-epoch History. */
  fit(x: InputData<Ins>, y: ExampleData, options: FitOptions = {}): History {
    // the step timer's window: what no timed part inside claims is overhead
    const train = () => runFit(this.trainer(), this.inputsOf(x), y, options, (data) => this.inputsOf(data, "validationData x"));
    return withThreads(options.threads, "fit", () => stepTimer.timed(StepPart.overhead, train));
  }

  /**
   * One optimiser step on one batch: the loss before the step, or [loss, ...metrics] when compiled
   * with metrics. A NaN or infinite loss or gradient throws, and the step is not applied.
   */
  trainOnBatch(x: InputData<Ins>, y: ExampleData): Evaluation<WithMetrics> {
    return stepTimer.timed(StepPart.overhead, () => this.trainOnOneBatch(x, y));
  }

  private trainOnOneBatch(x: InputData<Ins>, y: ExampleData): Evaluation<WithMetrics> {
    const inputs = this.inputsOf(x);
    const count = inputs[0]!.count;
    const targets = this.targetsOf(y, count);
    const bufs = this.buffersFor(count);
    this.load(bufs, inputs, targets, identity(count), 0, count);
    let loss: number;
    try {
      loss = this.trainStep(bufs, count);
    } catch (error) {
      if (!(error instanceof RefusedStep)) throw error;
      const note = error.weightsNote ? `; ${error.weightsNote}` : "; the weights and optimizer state are those from before it";
      throw new Error(`trainOnBatch: ${error.what}; the step was not applied${note}`, { cause: error });
    }
    const sums = new Float64Array(2 * this.training.metrics.length);
    this.accumulateMetrics(bufs, count, sums);
    return this.withMetrics(loss, metricMeans(sums));
  }

  /**
   * forward, loss, backward and the optimiser update on the loaded batch. Allocates nothing. When the
   * loss or a gradient is not finite, the update is not applied, what the forward pass changed is put
   * back, and a RefusedStep is thrown.
   */
  protected trainStep(bufs: KernelBuffers, batch: number): number {
    this.guard.before();
    const loss = this.denseStep ? this.denseStep.run(bufs, batch, this.batchLoaded, this.metricCount > 0) : this.kernelStep(bufs, batch);
    this.batchLoaded = false;
    if (!(Number.isFinite(loss) && this.applyOptimizer())) this.guard.refuse(loss);
    return loss;
  }

  /** The optimiser's update when every gradient is finite (and whether it was), timed as the optimiser when the step timer is on. */
  private applyOptimizer(): boolean {
    if (!stepTimer.enabled) return this.updateIfFinite();
    return stepTimer.timed(StepPart.optimiser, () => this.updateIfFinite());
  }

  /** A dense stack's fused step checked its gradients as it stored them; otherwise the optimiser checks them as it takes them. */
  private updateIfFinite(): boolean {
    const step = this.denseStep;
    if (!step) return this.optimizer.applyIfFinite(this.grads);
    if (!step.gradientsFinite()) return false;
    this.optimizer.apply(this.grads);
    return true;
  }

  /** forward, loss and backward by the generated JavaScript kernels; the loss. Timed as other kernels (less the products inside) when the step timer is on. */
  private kernelStep(bufs: KernelBuffers, batch: number): number {
    if (!stepTimer.enabled) return this.runKernels(bufs, batch);
    return stepTimer.timed(StepPart.otherKernels, () => this.runKernels(bufs, batch));
  }

  private runKernels(bufs: KernelBuffers, batch: number): number {
    this.kernels.forwardTrain(bufs, batch);
    const loss = this.kernels.loss(bufs, batch);
    this.kernels.backward(bufs, batch);
    return loss;
  }

  /** The loss (and metrics) on one batch, without training. */
  testOnBatch(x: InputData<Ins>, y: ExampleData): Evaluation<WithMetrics> {
    return this.evaluate(x, y, { batchSize: Number.MAX_SAFE_INTEGER });
  }

  /** The mean loss over the examples, or [loss, ...metrics] when compiled with metrics. */
  evaluate(x: InputData<Ins>, y: ExampleData, options: { batchSize?: number; threads?: ThreadCount } = {}): Evaluation<WithMetrics> {
    const inputs = this.inputsOf(x);
    const { loss, metrics } = withThreads(options.threads, "evaluate", () => this.measure(inputs, this.targetsOf(y, inputs[0]!.count), options.batchSize ?? 32));
    return this.withMetrics(loss, metrics);
  }

  private withMetrics(loss: number, metrics: number[]): Evaluation<WithMetrics> {
    return (this.training.metrics.length ? [loss, ...metrics] : loss) as Evaluation<WithMetrics>;
  }

  /** Loss and metric means over a data set, at inference. */
  protected measure(inputs: readonly InputRows[], targets: Flat<Float32Array>, batchSize: number): { loss: number; metrics: number[] } {
    const count = inputs[0]!.count;
    const size = Math.max(1, Math.min(batchSize, count));
    const bufs = this.buffersFor(size);
    const order = identity(count);
    const sums = new Float64Array(2 * this.training.metrics.length);
    let total = 0;
    for (let from = 0; from < count; from += size) {
      const batch = Math.min(size, count - from);
      this.load(bufs, inputs, targets, order, from, batch);
      this.kernels.forwardInfer(bufs, batch);
      total += this.kernels.loss(bufs, batch) * batch;
      this.accumulateMetrics(bufs, batch, sums);
    }
    return { loss: total / count, metrics: metricMeans(sums) };
  }

  /** Adds each compiled metric's sum and count over the batch into `sums` (two slots per metric). */
  protected accumulateMetrics(bufs: KernelBuffers, batch: number, sums: Float64Array): void {
    const shape = this.spec.outputShape;
    const width = shape.length ? shape[shape.length - 1]! : 1;
    const metrics = this.training.metrics;
    for (let i = 0; i < metrics.length; i++) accumulateMetric(metrics[i]!.kind, bufs.output, bufs.target, batch, this.outputSize, width, sums, i, bufs.outputMask);
  }

  /** What the training loop needs of this model. */
  private trainer() {
    const model = this;
    return {
      spec: this.spec,
      random: this.random,
      control: this as TrainingControl,
      targetsOf: (y: unknown, count: number, what?: string) => this.targetsOf(y, count, what),
      buffersFor: (batch: number) => this.buffersFor(batch),
      load: (bufs: KernelBuffers, inputs: readonly InputRows[], targets: Flat<Float32Array>, order: Int32Array, from: number, batch: number) =>
        this.load(bufs, inputs, targets, order, from, batch),
      trainStep: (bufs: KernelBuffers, batch: number) => this.trainStep(bufs, batch),
      accumulateMetrics: (bufs: KernelBuffers, batch: number, sums: Float64Array) => this.accumulateMetrics(bufs, batch, sums),
      measure: (inputs: readonly InputRows[], targets: Flat<Float32Array>, batchSize: number) => this.measure(inputs, targets, batchSize),
      get stopTraining() {
        return model.stopTraining;
      },
      set stopTraining(value: boolean) {
        model.stopTraining = value;
      },
    };
  }

  /** The model's outputs, one row per example (each row the example's output, flattened). */
  predict(x: InputData<Ins>, options: { batchSize?: number; threads?: ThreadCount } = {}): number[][] {
    return withThreads(options.threads, "predict", () => this.predictRows(x, options.batchSize));
  }

  private predictRows(x: InputData<Ins>, batchSizeOption: number | undefined): number[][] {
    const inputs = this.inputsOf(x);
    const count = inputs[0]!.count;
    const batchSize = Math.max(1, Math.min(batchSizeOption ?? 32, count));
    const bufs = this.buffersFor(batchSize);
    const size = this.outputSize;
    const order = identity(count);
    const rows: number[][] = [];
    for (let from = 0; from < count; from += batchSize) {
      const batch = Math.min(batchSize, count - from);
      this.load(bufs, inputs, null, order, from, batch);
      this.kernels.forwardInfer(bufs, batch);
      for (let r = 0; r < batch; r++) rows.push(Array.from(bufs.output.subarray(r * size, (r + 1) * size)));
    }
    return rows;
  }

  /** Copies of the weights, one Float32Array per weight, Keras order, kernels row-major [in, out]. */
  getWeights(): Float32Array[] {
    return this.weights.map((w) => w.slice());
  }

  setWeights(weights: readonly ArrayLike<number>[]): void {
    if (weights.length !== this.weights.length) throw new Error(`setWeights: the model has ${this.weights.length} weights, got ${weights.length}`);
    weights.forEach((w, i) => {
      const p = this.spec.params[i]!;
      if (w.length !== this.weights[i]!.length) throw new Error(`setWeights: ${p.name} has shape [${p.shape.join(", ")}] (${this.weights[i]!.length} numbers), got ${w.length}`);
      for (let k = 0; k < w.length; k++) if (!Number.isFinite(w[k])) throw new Error(`setWeights: ${p.name} holds ${w[k]} at ${k}`);
    });
    weights.forEach((w, i) => this.weights[i]!.set(w));
  }

  // ------------------------------------------------------------ weights files

  /**
   * The weights (and by default the optimiser state) as safetensors bytes, with a CRC-32 of each
   * tensor. Refuses non-finite weights (naming the weight), which load would refuse.
   */
  toBytes(options: { includeOptimizer?: boolean } = {}): Uint8Array {
    const optimizer = (options.includeOptimizer ?? true) ? this.optimizer.getState() : null;
    return encodeWeights(this.spec, this.constructor.name, this.hash, { weights: this.weights, optimizer });
  }

  /**
   * Restores weights (and optimiser state, when present) from safetensors bytes made by toBytes or
   * save, by any model whose weights have the same names and shapes. Optimiser state saved for
   * another optimiser is left out, with one line (console.warn) saying why; the optimiser then
   * starts afresh.
   */
  fromBytes(bytes: Uint8Array, what = "weights"): void {
    const content = decodeWeights(bytes, this.spec, this.constructor.name, what);
    this.setWeights(content.weights);
    let leftOut = content.optimizerLeftOut;
    if (content.optimizer) {
      try {
        this.optimizer.setState(content.optimizer);
      } catch (error) {
        leftOut = (error as Error).message; // a file from before the optimiser was recorded
      }
    }
    if (leftOut !== null) {
      this.optimizer = createOptimizer(this.training.optimizer, this.trainableWeights());
      console.warn(`${what}: optimizer state left out (${leftOut}); ${this.constructor.name}'s ${this.training.optimizer.name} starts afresh`);
    }
  }

  /** Writes the weights file atomically (a temporary name, then a rename). */
  save(path: string, options: { includeOptimizer?: boolean } = {}): void {
    writeFileAtomic(path, this.toBytes(options));
  }

  /** A new model of this class with the weights of a file written by save. */
  static load<M extends GeneratedModel>(this: new () => M, path: string): M {
    const model = new this();
    model.fromBytes(readFileBytes(path), path);
    return model;
  }

  /** The Keras summary table; printed unless `print` is false. */
  summary(print: ((line: string) => void) | false = console.log): string {
    const text = this.spec.summary;
    if (print) print(text);
    return text;
  }
}

function identity(count: number): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}

function copyRows(from: ArrayLike<number>, to: Float32Array | Int32Array, indices: Int32Array, start: number, batch: number, width: number): void {
  for (let r = 0; r < batch; r++) {
    const source = indices[start + r]! * width;
    const target = r * width;
    for (let j = 0; j < width; j++) to[target + j] = from[source + j]!;
  }
}
