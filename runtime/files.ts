// The runtime's only contact with the file system: atomic writes and whole-file reads. Node's fs is
// fetched when first needed (process.getBuiltinModule), so a browser bundle of the runtime carries
// no Node import; there, use the byte forms (toBytes / fromBytes) instead of paths.

/**
 * The calls the runtime makes of Node's fs, declared here rather than taken from @types/node, so a
 * project that type-checks typegrad's declarations without Node's types (a browser app) can.
 */
interface NodeFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(oldPath: string, newPath: string): void;
  rmSync(path: string, options: { force: boolean }): void;
  readFileSync(path: string): Uint8Array;
}

/** The calls writeFileAtomic makes (tests pass one that fails on purpose). */
export type AtomicWriteFs = Pick<NodeFs, "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "renameSync" | "rmSync">;

function nodeFs(): NodeFs {
  const get = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new Error("saving and loading by path needs Node.js 20.16 or later; elsewhere use toBytes() and fromBytes()");
  return get("node:fs") as NodeFs;
}

/** A name beside `path` (same folder, so the rename stays on one file system) that no one else uses. */
function temporaryName(path: string): string {
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  return `${path}.tmp-${pid}-${Math.random().toString(36).slice(2, 10)}`;
}

function writeAndSync(fs: AtomicWriteFs, temp: string, bytes: Uint8Array): void {
  const fd = fs.openSync(temp, "wx"); // exclusive: never write through someone else's file
  try {
    for (let written = 0; written < bytes.length; ) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `bytes` to `path` so that a crash never leaves a half-written file: to a temporary name in
 * the same folder, synced to disk, then renamed over `path`. On failure the temporary file is
 * removed, `path` keeps its old content (if any), and the error names `path`.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, fs: AtomicWriteFs = nodeFs()): void {
  const temp = temporaryName(path);
  try {
    writeAndSync(fs, temp, bytes);
    fs.renameSync(temp, path);
  } catch (error) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // The original error matters more than a failed clean-up.
    }
    throw new Error(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function readFileBytes(path: string): Uint8Array {
  try {
    const buffer = nodeFs().readFileSync(path);
    return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
