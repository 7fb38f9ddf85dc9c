// The callbacks fit runs (Keras' EarlyStopping and ModelCheckpoint), one file each; monitor.ts holds
// what they share: which way the monitored value improves.

export type { Callback, Logs, TrainingControl } from "./callback";
export { earlyStopping, type EarlyStoppingOptions } from "./early-stopping";
export { modelCheckpoint, type ModelCheckpointOptions } from "./model-checkpoint";
export type { Mode } from "./monitor";
