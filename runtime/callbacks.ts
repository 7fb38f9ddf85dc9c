// Callbacks as Keras: hooks around epochs, and the two the chapter uses.

export type Logs = Readonly<Record<string, number>>;

/** What a callback may do to the model being trained. */
export interface TrainingControl {
  /** Set to true to end training after this epoch. */
  stopTraining: boolean;
  getWeights(): Float32Array[];
  setWeights(weights: readonly ArrayLike<number>[]): void;
  save(path: string): void;
}

export interface Callback {
  onTrainBegin?(model: TrainingControl): void;
  onEpochEnd?(epoch: number, logs: Logs, model: TrainingControl): void;
  onTrainEnd?(model: TrainingControl): void;
}

type Mode = "min" | "max" | "auto";

/** auto: accuracies improve upwards, everything else downwards (Keras' rule). */
function improves(mode: Mode, monitor: string): (current: number, best: number, minDelta: number) => boolean {
  const max = mode === "max" || (mode === "auto" && /acc/.test(monitor));
  return max ? (c, b, d) => c - d > b : (c, b, d) => c + d < b;
}

function monitored(logs: Logs, monitor: string, who: string): number | undefined {
  const value = logs[monitor];
  if (value === undefined) console.warn(`${who}: "${monitor}" is not among the logged values (${Object.keys(logs).join(", ")}); skipping`);
  return value;
}

export interface EarlyStoppingOptions {
  monitor?: string;
  /** Epochs without improvement before stopping. */
  patience?: number;
  /** The smallest change that counts as an improvement. */
  minDelta?: number;
  mode?: Mode;
  /** On stopping, go back to the weights of the best epoch. */
  restoreBestWeights?: boolean;
}

export function earlyStopping({ monitor = "val_loss", patience = 0, minDelta = 0, mode = "auto", restoreBestWeights = false }: EarlyStoppingOptions = {}): Callback {
  const better = improves(mode, monitor);
  let best = Infinity;
  let wait = 0;
  let bestWeights: Float32Array[] | null = null;
  return {
    onTrainBegin() {
      best = mode === "max" || (mode === "auto" && /acc/.test(monitor)) ? -Infinity : Infinity;
      wait = 0;
      bestWeights = null;
    },
    onEpochEnd(_epoch, logs, model) {
      const value = monitored(logs, monitor, "earlyStopping");
      if (value === undefined) return;
      if (better(value, best, Math.abs(minDelta)) || !Number.isFinite(best)) {
        best = value;
        wait = 0;
        if (restoreBestWeights) bestWeights = model.getWeights();
        return;
      }
      wait++;
      if (wait > patience) {
        model.stopTraining = true;
        if (restoreBestWeights && bestWeights) model.setWeights(bestWeights);
      }
    },
  };
}

export interface ModelCheckpointOptions {
  /** The weights file; `{epoch}` is replaced by the epoch number (from 1). */
  path: string;
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: Mode;
}

export function modelCheckpoint({ path, monitor = "val_loss", saveBestOnly = false, mode = "auto" }: ModelCheckpointOptions): Callback {
  if (typeof path !== "string" || path === "") throw new Error("modelCheckpoint: path must be a file path");
  const better = improves(mode, monitor);
  let best = NaN;
  return {
    onTrainBegin() {
      best = NaN;
    },
    onEpochEnd(epoch, logs, model) {
      const target = path.replace("{epoch}", String(epoch + 1));
      if (!saveBestOnly) return model.save(target);
      const value = monitored(logs, monitor, "modelCheckpoint");
      if (value === undefined) return;
      if (Number.isNaN(best) || better(value, best, 0)) {
        best = value;
        model.save(target);
      }
    },
  };
}
