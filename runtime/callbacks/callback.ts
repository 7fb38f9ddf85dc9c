// Callbacks as Keras: hooks around epochs, given the model being trained.

import type { ModelSpec } from "../kernels";

export type Logs = Readonly<Record<string, number>>;

/** What a callback may do to the model being trained. */
export interface TrainingControl {
  /** Set to true to end training after this epoch. */
  stopTraining: boolean;
  /** The model's description: its compiled metrics tell which way each logged value improves. */
  readonly spec: ModelSpec;
  getWeights(): Float32Array[];
  setWeights(weights: readonly ArrayLike<number>[]): void;
  save(path: string): void;
}

export interface Callback {
  onTrainBegin?(model: TrainingControl): void;
  onEpochEnd?(epoch: number, logs: Logs, model: TrainingControl): void;
  onTrainEnd?(model: TrainingControl): void;
}
