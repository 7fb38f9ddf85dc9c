// Optimiser configs with the Keras defaults; the runtime applies the update rules.

interface Clipping {
  /** Rescale each gradient so that its L2 norm is at most this. */
  readonly clipnorm?: number;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  readonly clipvalue?: number;
}

export interface SgdConfig extends Clipping {
  readonly name: "sgd";
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
}
export interface AdagradConfig extends Clipping {
  readonly name: "adagrad";
  readonly learningRate: number;
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
}
export interface RmspropConfig extends Clipping {
  readonly name: "rmsprop";
  readonly learningRate: number;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
}
export interface AdamConfig extends Clipping {
  readonly name: "adam";
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export type OptimizerConfig = SgdConfig | AdagradConfig | RmspropConfig | AdamConfig;
export type OptimizerName = OptimizerConfig["name"];
export type OptimizerArg = OptimizerName | OptimizerConfig;

type Options<C> = Partial<Omit<C, "name">>;

function positive(op: string, key: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`${op}: ${key} must be a positive number, got ${value}`);
}

function inUnitInterval(op: string, key: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new Error(`${op}: ${key} must be in [0, 1), got ${value}`);
}

function clipping(op: string, { clipnorm, clipvalue }: Clipping): Clipping {
  if (clipnorm !== undefined && clipvalue !== undefined) throw new Error(`${op}: give clipnorm or clipvalue, not both (as Keras)`);
  if (clipnorm !== undefined) positive(op, "clipnorm", clipnorm);
  if (clipvalue !== undefined) positive(op, "clipvalue", clipvalue);
  return { ...(clipnorm !== undefined && { clipnorm }), ...(clipvalue !== undefined && { clipvalue }) };
}

export function sgd(options: Options<SgdConfig> = {}): SgdConfig {
  const { learningRate = 0.01, momentum = 0, nesterov = false } = options;
  positive("sgd", "learningRate", learningRate);
  inUnitInterval("sgd", "momentum", momentum);
  return { name: "sgd", learningRate, momentum, nesterov, ...clipping("sgd", options) };
}

export function adagrad(options: Options<AdagradConfig> = {}): AdagradConfig {
  const { learningRate = 0.001, initialAccumulatorValue = 0.1, epsilon = 1e-7 } = options;
  positive("adagrad", "learningRate", learningRate);
  if (!(initialAccumulatorValue >= 0)) throw new Error(`adagrad: initialAccumulatorValue must be non-negative, got ${initialAccumulatorValue}`);
  positive("adagrad", "epsilon", epsilon);
  return { name: "adagrad", learningRate, initialAccumulatorValue, epsilon, ...clipping("adagrad", options) };
}

export function rmsprop(options: Options<RmspropConfig> = {}): RmspropConfig {
  const { learningRate = 0.001, rho = 0.9, momentum = 0, epsilon = 1e-7, centered = false } = options;
  positive("rmsprop", "learningRate", learningRate);
  inUnitInterval("rmsprop", "rho", rho);
  inUnitInterval("rmsprop", "momentum", momentum);
  positive("rmsprop", "epsilon", epsilon);
  return { name: "rmsprop", learningRate, rho, momentum, epsilon, centered, ...clipping("rmsprop", options) };
}

export function adam(options: Options<AdamConfig> = {}): AdamConfig {
  const { learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 } = options;
  positive("adam", "learningRate", learningRate);
  inUnitInterval("adam", "beta1", beta1);
  inUnitInterval("adam", "beta2", beta2);
  positive("adam", "epsilon", epsilon);
  return { name: "adam", learningRate, beta1, beta2, epsilon, ...clipping("adam", options) };
}

const BY_NAME = { sgd, adagrad, rmsprop, adam } as const;

export function resolveOptimizer(arg: OptimizerArg): OptimizerConfig {
  if (typeof arg === "string") {
    const make = BY_NAME[arg];
    if (!make) throw new Error(`compile: unknown optimizer ${JSON.stringify(arg)}; expected one of ${Object.keys(BY_NAME).join(", ")}`);
    return make();
  }
  if (!arg || typeof arg !== "object" || !(arg.name in BY_NAME)) {
    throw new Error(`compile: optimizer must be a name or a config from sgd(), adagrad(), rmsprop() or adam(), got ${JSON.stringify(arg)}`);
  }
  // A hand-written config is checked and completed as the factory would.
  const { name, ...options } = arg;
  return (BY_NAME[name] as (options: object) => OptimizerConfig)(options);
}
