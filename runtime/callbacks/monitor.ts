// What EarlyStopping and ModelCheckpoint share, as Keras 3's MonitorCallback: which way the monitored
// value improves, and whether a value improves on another by more than minDelta.

import { METRIC_DIRECTION } from "../metrics";
import type { Logs, TrainingControl } from "./callback";

export type Mode = "min" | "max" | "auto";

/** Whether `current` improves on `reference`; every value improves on no reference at all. */
export type Improvement = (current: number, reference: number | undefined) => boolean;

export function checkMode(mode: unknown, who: string): Mode {
  if (mode !== "min" && mode !== "max" && mode !== "auto") throw new Error(`${who}: mode must be "min", "max" or "auto", got ${JSON.stringify(mode)}`);
  return mode;
}

/**
 * Keras' _set_monitor_op: "max" rises, "min" falls; "auto" reads the name without its "val_": the
 * loss falls, a compiled metric goes its own way (accuracies rise, errors fall), anything else
 * cannot be told and is refused.
 */
function rises(mode: Mode, monitor: string, model: TrainingControl, who: string): boolean {
  if (mode !== "auto") return mode === "max";
  const name = monitor.startsWith("val_") ? monitor.slice(4) : monitor;
  if (name === "loss") return false;
  const metrics = model.spec.training?.metrics ?? [];
  const metric = metrics.find((m) => m.name === name);
  if (!metric) {
    const known = ["loss", ...metrics.map((m) => m.name)].join(", ");
    throw new Error(`${who}: cannot tell whether "${monitor}" should rise or fall (it is not the loss or a compiled metric: ${known}); pass mode "min" or "max"`);
  }
  return METRIC_DIRECTION[metric.kind] === "up";
}

/** Keras' _is_improvement: better than the reference by more than |minDelta| in the monitored direction. */
export function improvement(mode: Mode, monitor: string, minDelta: number, model: TrainingControl, who: string): Improvement {
  const delta = Math.abs(minDelta);
  return rises(mode, monitor, model, who)
    ? (current, reference) => reference === undefined || current - delta > reference
    : (current, reference) => reference === undefined || current + delta < reference;
}

/** The monitored value of an epoch's logs; when it is missing, one warning line saying what happens instead, and undefined. */
export function monitoredValue(logs: Logs, monitor: string, who: string, instead: string): number | undefined {
  const value = logs[monitor];
  if (value === undefined) console.warn(`${who}: "${monitor}" is not among the logged values (${Object.keys(logs).join(", ")}); ${instead}`);
  return value;
}
