// Keras 3's ModelCheckpoint (keras/src/callbacks/model_checkpoint.py), saving weights after each epoch.

import type { Callback } from "./callback";
import { checkMode, improvement, monitoredValue, type Improvement, type Mode } from "./monitor";

export interface ModelCheckpointOptions {
  /** The weights file; `{epoch}` is replaced by the epoch number (from 1). */
  path: string;
  monitor?: string;
  /** Save only when the monitored value improves on the best so far (kept from one fit to the next, as Keras). */
  saveBestOnly?: boolean;
  mode?: Mode;
}

const WHO = "modelCheckpoint";

export function modelCheckpoint({ path, monitor = "val_loss", saveBestOnly = false, mode = "auto" }: ModelCheckpointOptions): Callback {
  if (typeof path !== "string" || path === "") throw new Error(`${WHO}: path must be a file path`);
  checkMode(mode, WHO);
  let improves: Improvement | null = null;
  let best: number | undefined;
  return {
    onEpochEnd(epoch, logs, model) {
      improves ??= improvement(mode, monitor, 0, model, WHO);
      const target = path.replace("{epoch}", String(epoch + 1));
      if (!saveBestOnly) return model.save(target);
      const current = monitoredValue(logs, monitor, WHO, "saving anyway");
      if (current === undefined) return model.save(target);
      if (!improves(current, best)) return;
      best = current;
      model.save(target);
    },
  };
}
