// `typegrad gen --watch`: generates every model file once, then again whenever it, or one of the
// user's files it imports, changes. It watches the folders holding those files (not the files: an
// editor that saves by renaming a new file over the old one would end a file watch), and picks up
// a new NAME.model.ts created in one of them or in a folder it was given.

import { existsSync, statSync, watch as watchFolder, type FSWatcher } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { discoverModelFiles } from "./discover";
import { genFile, type GenOptions, type GenOutcome } from "./gen";

export interface WatchOptions extends Omit<GenOptions, "check"> {
  /** Called after each generation of a file, with its outcome. */
  readonly onOutcome: (outcome: GenOutcome) => void;
  /** Quiet time after a change before regenerating, so one save is one generation. Default 50 ms. */
  readonly debounceMs?: number;
}

export interface Watcher {
  /** Resolves once the first generation of every file is done. */
  readonly ready: Promise<void>;
  /** Stops watching; a generation under way finishes. */
  close(): void;
}

/** Starts watching; throws at once for a path that does not exist. */
export function watch(options: WatchOptions): Watcher {
  const root = resolve(options.root ?? process.cwd());
  const given = (options.paths?.length ? options.paths : [root]).map((p) => resolve(root, p));
  const dependencies = new Map<string, readonly string[]>(discoverModelFiles(options.paths ?? [], root).map((file) => [file, [file]]));
  const folders = new Map<string, FSWatcher>();
  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const isWatchedFolder = (dir: string) => given.some((p) => p === dir && existsSync(p) && statSync(p).isDirectory());

  function onChange(dir: string, name: string | null): void {
    if (closed || !name) return;
    const path = join(dir, name);
    if (name.endsWith(".model.ts") && !dependencies.has(path) && existsSync(path) && (isWatchedFolder(dir) || [...dependencies.keys()].some((f) => dirname(f) === dir))) {
      dependencies.set(path, [path]);
    }
    for (const [model, files] of dependencies) if (files.includes(path)) pending.add(model);
    if (pending.size === 0) return;
    clearTimeout(timer);
    timer = setTimeout(() => void drain(), options.debounceMs ?? 50);
  }

  function refreshFolders(): void {
    const wanted = new Set<string>(given.filter((p) => isWatchedFolder(p)));
    for (const files of dependencies.values()) for (const file of files) wanted.add(dirname(file));
    for (const dir of wanted) {
      if (folders.has(dir) || !existsSync(dir)) continue;
      const watcher = watchFolder(dir, (_event, name) => onChange(dir, name === null ? null : String(name)));
      watcher.on("error", () => folders.delete(dir));
      folders.set(dir, watcher);
    }
  }

  async function generate(files: readonly string[]): Promise<void> {
    for (const file of files) {
      if (closed) return;
      if (!existsSync(file)) {
        dependencies.delete(file);
        continue;
      }
      const outcome = await genFile(file, { ...options, root });
      // A file that failed to load reports only itself; keep what it imported before.
      const previous = dependencies.get(file) ?? [];
      dependencies.set(file, outcome.status === "failed" ? [...new Set([...previous, ...outcome.dependencies])] : outcome.dependencies);
      options.onOutcome(outcome);
    }
    refreshFolders();
  }

  async function drain(): Promise<void> {
    if (running) return;
    while (pending.size && !closed) {
      const files = [...pending].sort();
      pending.clear();
      running = generate(files);
      await running;
      running = undefined;
    }
  }

  refreshFolders();
  const ready = (async () => {
    running = generate([...dependencies.keys()]);
    await running;
    running = undefined;
    await drain();
  })();
  return {
    ready,
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of folders.values()) watcher.close();
      folders.clear();
    },
  };
}
