// The runtime's contact with Node beyond the file system (files.ts) and the module resolver
// (datasets/npm-package.ts): the built-in modules the thread pool, the core count and the relaxed-SIMD
// switch use, fetched when first needed through process.getBuiltinModule, so that a browser bundle
// of the runtime carries no Node import. null where there is no Node (or it is older than 20.16).

const BUILTINS = { os: "node:os", v8: "node:v8", workerThreads: "node:worker_threads" } as const;

export type NodeBuiltin = keyof typeof BUILTINS;

/** The host as the runtime reads it: Node's process where there is one (tests pass one of their own). */
export interface NodeHost {
  readonly process?: { readonly env?: Record<string, string | undefined>; getBuiltinModule?: (name: string) => unknown };
}

export function nodeBuiltin<T>(name: NodeBuiltin, host: NodeHost = globalThis as NodeHost): T | null {
  return (host.process?.getBuiltinModule?.(BUILTINS[name]) as T | undefined) ?? null;
}
