// The runtime's contact with Node beyond the file system (files.ts) and the module resolver
// (datasets/npm-package.ts): the built-in modules the thread pool, the core count and the relaxed-SIMD
// switch use, fetched when first needed through process.getBuiltinModule, so that a browser bundle
// of the runtime carries no Node import, and the process' CPU clock the thread pool's sharing policy
// reads. null where there is no Node (or it is older than 20.16).

const BUILTINS = { os: "node:os", v8: "node:v8", workerThreads: "node:worker_threads" } as const;

export type NodeBuiltin = keyof typeof BUILTINS;

/** The host as the runtime reads it: Node's process where there is one (tests pass one of their own). */
export interface NodeHost {
  readonly process?: {
    readonly env?: Record<string, string | undefined>;
    getBuiltinModule?: (name: string) => unknown;
    cpuUsage?: () => { user: number; system: number };
  };
  readonly performance?: { eventLoopUtilization?: () => { idle: number } };
}

export function nodeBuiltin<T>(name: NodeBuiltin, host: NodeHost = globalThis as NodeHost): T | null {
  return (host.process?.getBuiltinModule?.(BUILTINS[name]) as T | undefined) ?? null;
}

/** Milliseconds of the process' CPU time (all its threads) and of its event loop's idling, as clocks that only go forward. */
export interface ProcessClock {
  cpu(): number;
  idle(): number;
}

/** The process' CPU and idle clocks, or null where there is no Node. */
export function processClock(host: NodeHost = globalThis as NodeHost): ProcessClock | null {
  const { process, performance } = host;
  if (!process?.cpuUsage || !performance?.eventLoopUtilization) return null;
  return {
    cpu: () => {
      const { user, system } = process.cpuUsage!();
      return (user + system) / 1000;
    },
    idle: () => performance.eventLoopUtilization!().idle,
  };
}
