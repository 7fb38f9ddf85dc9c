// The runtime's only contact with the file system: atomic writes and whole-file reads. Node's fs is
// fetched when first needed (process.getBuiltinModule), so a browser bundle of the runtime carries
// no Node import; there, use the byte forms (toBytes / fromBytes) instead of paths.

type Fs = typeof import("node:fs");

function fs(): Fs {
  const get = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new Error("saving and loading by path needs Node.js 20.16 or later; elsewhere use toBytes() and fromBytes()");
  return get("node:fs") as Fs;
}

/** Writes to a temporary name in the same folder, syncs, then renames over the target. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } = fs();
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const temp = `${path}.tmp-${pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fd = openSync(temp, "w");
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export function readFileBytes(path: string): Uint8Array {
  try {
    const buffer = fs().readFileSync(path);
    return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
}
