// Keras 3's EarlyStopping (keras/src/callbacks/early_stopping.py), rule for rule.

import type { Callback } from "./callback";
import { checkMode, improvement, monitoredValue, type Improvement, type Mode } from "./monitor";

export interface EarlyStoppingOptions {
  /** The logged value to watch; "val_loss" unless given. */
  monitor?: string;
  /** Epochs without improvement after which training stops: it stops `patience` epochs after the best. */
  patience?: number;
  /** The smallest change (in absolute value) that counts as an improvement. */
  minDelta?: number;
  mode?: Mode;
  /** An improvement only restarts the count of epochs without one when it also beats this value. */
  baseline?: number;
  /** At the end of training (stopped early or not), go back to the weights of the best epoch. */
  restoreBestWeights?: boolean;
  /** Epochs (counted from 0) before watching starts: a warm-up in which nothing counts. */
  startFromEpoch?: number;
  /** 1: say when training stopped early and which epoch's weights came back. */
  verbose?: 0 | 1;
}

const WHO = "earlyStopping";

function check(options: EarlyStoppingOptions): void {
  const count = (name: "patience" | "startFromEpoch") => {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new Error(`${WHO}: ${name} must be a non-negative integer, got ${value}`);
  };
  count("patience");
  count("startFromEpoch");
  const { minDelta, baseline, monitor, verbose } = options;
  if (minDelta !== undefined && !Number.isFinite(minDelta)) throw new Error(`${WHO}: minDelta must be a finite number, got ${minDelta}`);
  if (baseline !== undefined && !Number.isFinite(baseline)) throw new Error(`${WHO}: baseline must be a finite number, got ${baseline}`);
  if (monitor !== undefined && (typeof monitor !== "string" || monitor === "")) throw new Error(`${WHO}: monitor must be the name of a logged value`);
  if (verbose !== undefined && verbose !== 0 && verbose !== 1) throw new Error(`${WHO}: verbose must be 0 or 1, got ${verbose}`);
}

export function earlyStopping(options: EarlyStoppingOptions = {}): Callback {
  check(options);
  const { monitor = "val_loss", patience = 0, minDelta = 0, baseline, restoreBestWeights = false, startFromEpoch = 0, verbose = 0 } = options;
  const mode = checkMode(options.mode ?? "auto", WHO);
  let improves: Improvement | null = null;
  let wait = 0;
  let stoppedEpoch = 0;
  let best: number | undefined;
  let bestWeights: Float32Array[] | null = null;
  let bestEpoch = 0;
  return {
    onTrainBegin(model) {
      improves = improvement(mode, monitor, minDelta, model, WHO);
      wait = 0;
      stoppedEpoch = 0;
      best = undefined;
      bestWeights = null;
      bestEpoch = 0;
    },
    onEpochEnd(epoch, logs, model) {
      improves ??= improvement(mode, monitor, minDelta, model, WHO);
      const current = monitoredValue(logs, monitor, WHO, "this epoch is not counted");
      if (current === undefined || epoch < startFromEpoch) return;
      wait++;
      // The first watched epoch always improves (on no best at all), so bestWeights is never left unset.
      if (improves(current, best)) {
        best = current;
        bestEpoch = epoch;
        if (restoreBestWeights) bestWeights = model.getWeights();
        // The count restarts only when the value beats the baseline as well as the best so far.
        if (baseline === undefined || improves(current, baseline)) wait = 0;
        return;
      }
      if (wait >= patience && epoch > 0) {
        stoppedEpoch = epoch;
        model.stopTraining = true;
      }
    },
    onTrainEnd(model) {
      if (stoppedEpoch > 0 && verbose > 0) console.log(`Epoch ${stoppedEpoch + 1}: early stopping`);
      if (!restoreBestWeights || bestWeights === null) return;
      if (verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${bestEpoch + 1}.`);
      model.setWeights(bestWeights);
    },
  };
}
