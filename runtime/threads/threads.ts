// How many threads the runtime's large products may use: "auto" (the default) is every core the host
// offers (Node's os.availableParallelism); fit, evaluate and predict take `threads` to set it for one
// call. Only products large enough to gain are split (gemm-threads.ts), so a small model runs on one
// thread whatever the setting, and a band of rows computed on another thread is bit-identical to the
// same rows computed on this one: results do not depend on the thread count.

import { nodeBuiltin } from "../node-host";

export type ThreadCount = number | "auto";

let requested: ThreadCount = "auto";

interface NodeOs {
  availableParallelism?(): number;
  cpus(): readonly unknown[];
}

let cores: number | undefined;

/** Cores the host offers: Node's count, a browser's navigator.hardwareConcurrency, or 1. Read once: every product asks, and Node's count is a system call. */
export function availableCores(): number {
  return (cores ??= hostCores());
}

function hostCores(): number {
  const os = nodeBuiltin<NodeOs>("os");
  const navigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const cores = os ? (os.availableParallelism?.() ?? os.cpus().length) : (navigator?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.floor(cores));
}

function checkThreadCount(threads: ThreadCount, where: string): void {
  if (threads === "auto") return;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`${where}: threads must be "auto" or a positive integer, got ${String(threads)}`);
}

/** Sets the thread count for every later call ("auto": all cores). */
export function setThreads(threads: ThreadCount): void {
  checkThreadCount(threads, "setThreads");
  requested = threads;
}

/** The thread count in force, "auto" resolved to the host's cores. */
export function threadCount(): number {
  return requested === "auto" ? availableCores() : requested;
}

/** Runs `work` with `threads` in force (when given), then restores the setting before. */
export function withThreads<T>(threads: ThreadCount | undefined, where: string, work: () => T): T {
  if (threads === undefined) return work();
  checkThreadCount(threads, where);
  const before = requested;
  requested = threads;
  try {
    return work();
  } finally {
    requested = before;
  }
}
