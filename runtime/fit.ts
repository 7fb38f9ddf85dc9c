// The training loop behind fit(): epochs of shuffled mini-batches, validation, History,
// callbacks and the Keras progress output.

import type { ThreadCount } from "./threads/threads";
import type { Callback, Logs, TrainingControl } from "./callbacks";
import type { ExampleData, Flat, InputRows } from "./data";
import { sliceSparse } from "./sparse-data";
import { makeHistory, type History } from "./history";
import type { KernelBuffers, ModelSpec } from "./kernels";
import { ProgressPrinter } from "./progress-printer";
import type { Random } from "./random";
import { RefusedStep } from "./step-guard";

/**
 * fit stopped because a step's loss (or a gradient) became NaN or infinite. That step was not
 * applied: the model keeps the weights and optimiser state of the last finite step, and can be
 * saved, evaluated or trained on (with a lower learning rate, say).
 */
export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    /** The epochs completed before the failing one, as fit would have returned them. */
    readonly history: History,
    /** Where it happened, counted from 1 as in the message. */
    readonly epoch: number,
    readonly batch: number,
    /** The failing step's loss (finite when a gradient was not). */
    readonly loss: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "NonFiniteLossError";
  }
}

export interface FitOptions {
  batchSize?: number;
  epochs?: number;
  /** Reshuffle the training examples before each epoch. */
  shuffle?: boolean;
  /** Hold out this last fraction of the examples (taken before shuffling) for validation. */
  validationSplit?: number;
  /** [x, y] to validate on after each epoch. */
  validationData?: readonly [unknown, ExampleData];
  /** 0 silent, 1 a progress bar, 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  callbacks?: readonly Callback[];
  /** The epoch to start at (for resuming); training runs until `epochs`. */
  initialEpoch?: number;
  /** Threads for the large products ("auto", the default: every core; results are the same for any count). */
  threads?: ThreadCount;
}

/** What the loop needs of a model. */
export interface Trainer {
  readonly spec: ModelSpec;
  readonly random: Random;
  readonly control: TrainingControl;
  stopTraining: boolean;
  targetsOf(y: unknown, count: number, what?: string): Flat<Float32Array>;
  buffersFor(batch: number): KernelBuffers;
  load(bufs: KernelBuffers, inputs: readonly InputRows[], targets: Flat<Float32Array>, order: Int32Array, from: number, batch: number): void;
  trainStep(bufs: KernelBuffers, batch: number): number;
  accumulateMetrics(bufs: KernelBuffers, batch: number, sums: Float64Array): void;
  measure(inputs: readonly InputRows[], targets: Flat<Float32Array>, batchSize: number): { loss: number; metrics: number[] };
}

interface DataSet {
  readonly inputs: readonly InputRows[];
  readonly targets: Flat<Float32Array>;
}

function positiveInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`fit: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** The first `count` examples, or the rest from `from`. */
function slice<T extends Float32Array | Int32Array>(flat: Flat<T>, from: number, to: number): Flat<T> {
  const width = flat.values.length / flat.count;
  return { values: flat.values.subarray(from * width, to * width) as T, count: to - from };
}

function split(data: DataSet, fraction: number): [DataSet, DataSet] {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${fraction}`);
  const count = data.targets.count;
  const cut = Math.floor(count * (1 - fraction));
  if (cut === 0 || cut === count) throw new Error(`fit: validationSplit ${fraction} of ${count} examples leaves an empty training or validation set`);
  const rows = (f: InputRows, from: number, to: number) => ("kind" in f ? sliceSparse(f, from, to) : slice(f, from, to));
  const part = (from: number, to: number): DataSet => ({ inputs: data.inputs.map((f) => rows(f, from, to)), targets: slice(data.targets, from, to) });
  return [part(0, cut), part(cut, count)];
}

export function runFit(
  trainer: Trainer,
  inputs: readonly InputRows[],
  y: ExampleData,
  options: FitOptions,
  validationInputs: (x: unknown) => InputRows[],
): History {
  const { epochs = 1, shuffle = true, verbose = 1, callbacks = [], initialEpoch = 0 } = options;
  positiveInteger("epochs", epochs);
  if (![0, 1, 2].includes(verbose)) throw new Error(`fit: verbose must be 0, 1 or 2, got ${verbose}`);
  if (!(Number.isInteger(initialEpoch) && initialEpoch >= 0 && initialEpoch < epochs)) {
    throw new Error(`fit: initialEpoch must be an integer in [0, epochs), got ${initialEpoch}`);
  }
  const all: DataSet = { inputs, targets: trainer.targetsOf(y, inputs[0]!.count) };
  let [train, validation]: [DataSet, DataSet | null] = [all, null];
  if (options.validationSplit !== undefined && options.validationData !== undefined) throw new Error("fit: give validationSplit or validationData, not both");
  if (options.validationSplit !== undefined) [train, validation] = split(all, options.validationSplit);
  if (options.validationData !== undefined) {
    const [vx, vy] = options.validationData;
    const vInputs = validationInputs(vx);
    validation = { inputs: vInputs, targets: trainer.targetsOf(vy, vInputs[0]!.count, "validationData y") };
  }

  const count = train.targets.count;
  const batchSize = Math.min(positiveInteger("batchSize", options.batchSize ?? 32), count);
  const steps = Math.ceil(count / batchSize);
  const order = new Int32Array(count).map((_, i) => i);
  const shuffler = trainer.random.fork("shuffle");
  const metricNames = (trainer.spec.training?.metrics ?? []).map((m) => m.name);
  const names = ["loss", ...metricNames, ...(validation ? ["val_loss", ...metricNames.map((name) => `val_${name}`)] : [])];
  const series = names.map((): number[] => []);
  const values = new Float64Array(names.length);
  const epochList: number[] = [];
  const printer = new ProgressPrinter(verbose, epochs, steps);
  const wantsLogs = verbose !== 0 || callbacks.length > 0;

  trainer.stopTraining = false;
  // One unshuffled batch that nothing else touches between epochs stays in the buffers from epoch to epoch.
  const reload = steps > 1 || shuffle || validation !== null || callbacks.length > 0;
  const runner = new EpochRunner(trainer, train, order, batchSize, steps, metricNames, printer, reload);
  const history = () => makeHistory(Object.fromEntries(names.map((name, i) => [name, series[i]!])), epochList, { epochs, steps, batchSize, samples: count, verbose });
  for (const c of callbacks) c.onTrainBegin?.(trainer.control);
  for (let epoch = initialEpoch; epoch < epochs && !trainer.stopTraining; epoch++) {
    if (shuffle) shuffler.shuffle(order);
    printer.startEpoch(epoch);
    try {
      runner.run(values);
    } catch (error) {
      if (!(error instanceof RefusedStep)) throw error;
      const where = `at epoch ${epoch + 1}, batch ${runner.step + 1}`;
      const state = error.weightsNote ?? "the model keeps the weights and optimizer state of the last finite step";
      printer.abort();
      throw new NonFiniteLossError(`fit: ${error.what} ${where}; training stopped; ${state}`, history(), epoch + 1, runner.step + 1, error.loss, { cause: error });
    }
    if (validation) {
      const measured = trainer.measure(validation.inputs, validation.targets, batchSize);
      values[1 + metricNames.length] = measured.loss;
      values.set(measured.metrics, 2 + metricNames.length);
    }
    epochList.push(epoch);
    for (let i = 0; i < names.length; i++) series[i]!.push(values[i]!);
    if (!wantsLogs) continue;
    const logs: Logs = Object.fromEntries(names.map((name, i) => [name, values[i]!]));
    printer.endEpoch(logs);
    for (const c of callbacks) c.onEpochEnd?.(epoch, logs, trainer.control);
  }
  for (const c of callbacks) c.onTrainEnd?.(trainer.control);
  return history();
}

/** Runs the epochs' steps; made once per fit, so an epoch costs its steps and little else. */
class EpochRunner {
  private readonly sums: Float64Array;
  private readonly bufs: KernelBuffers;
  private lossSum = 0;
  private seen = 0;
  private loaded = false;
  /** The step being run (from 0). */
  step = 0;
  /** The running logs, for the progress bar. */
  private readonly current = () => this.logs();

  constructor(
    private readonly trainer: Trainer,
    private readonly data: DataSet,
    private readonly order: Int32Array,
    private readonly batchSize: number,
    private readonly steps: number,
    private readonly metricNames: readonly string[],
    private readonly printer: ProgressPrinter,
    /** Whether each epoch loads its batches afresh; false keeps the first epoch's single batch. */
    private readonly reload: boolean,
  ) {
    this.sums = new Float64Array(2 * metricNames.length);
    this.bufs = trainer.buffersFor(batchSize);
  }

  /** Runs one epoch; writes its mean loss and metrics into values[0], values[1], .... */
  run(values: Float64Array): void {
    const { trainer, data, bufs, sums, batchSize } = this;
    if (sums.length > 0) sums.fill(0);
    this.lossSum = 0;
    this.seen = 0;
    // The step loop allocates nothing: loading rows, the generated kernels, the optimiser, metrics.
    for (let step = 0; step < this.steps; step++) {
      this.step = step;
      const from = step * batchSize;
      const batch = Math.min(batchSize, data.targets.count - from);
      if (this.reload || !this.loaded) trainer.load(bufs, data.inputs, data.targets, this.order, from, batch);
      this.loaded = true;
      const loss = trainer.trainStep(bufs, batch);
      this.lossSum += loss * batch;
      this.seen += batch;
      if (this.metricNames.length > 0) trainer.accumulateMetrics(bufs, batch, sums);
      this.printer.step(step + 1, this.current);
    }
    this.fill(values);
  }

  private fill(values: Float64Array): void {
    values[0] = this.lossSum / this.seen;
    for (let i = 0; i < this.metricNames.length; i++) values[1 + i] = this.sums[2 * i]! / this.sums[2 * i + 1]!;
  }

  private logs(): Record<string, number> {
    const values: Record<string, number> = { loss: this.lossSum / this.seen };
    for (let i = 0; i < this.metricNames.length; i++) values[this.metricNames[i]!] = this.sums[2 * i]! / this.sums[2 * i + 1]!;
    return values;
  }
}
