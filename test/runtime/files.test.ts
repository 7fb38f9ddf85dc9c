import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFileBytes, writeFileAtomic, type AtomicWriteFs } from "../../runtime/files";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "typegrad-files-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const bytesOf = (...values: number[]) => Uint8Array.from(values);
const listing = () => fs.readdirSync(dir).sort();

/** Node's fs with some calls replaced. */
const failing = (overrides: Partial<AtomicWriteFs>): AtomicWriteFs => ({
  openSync: fs.openSync,
  writeSync: fs.writeSync,
  fsyncSync: fs.fsyncSync,
  closeSync: fs.closeSync,
  renameSync: fs.renameSync,
  rmSync: fs.rmSync,
  ...overrides,
});

describe("writeFileAtomic", () => {
  it("writes the bytes and leaves nothing else behind", () => {
    const path = join(dir, "w.safetensors");
    writeFileAtomic(path, bytesOf(1, 2, 3));
    expect([...fs.readFileSync(path)]).toEqual([1, 2, 3]);
    expect(listing()).toEqual(["w.safetensors"]);
  });

  it("replaces an existing file", () => {
    const path = join(dir, "w.bin");
    fs.writeFileSync(path, "old content, longer than the new one");
    writeFileAtomic(path, bytesOf(7));
    expect([...fs.readFileSync(path)]).toEqual([7]);
    expect(listing()).toEqual(["w.bin"]);
  });

  it("writes large and empty files whole", () => {
    const big = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 31) & 0xff);
    writeFileAtomic(join(dir, "big"), big);
    expect(fs.readFileSync(join(dir, "big")).equals(big)).toBe(true);
    writeFileAtomic(join(dir, "empty"), new Uint8Array(0));
    expect(fs.readFileSync(join(dir, "empty")).length).toBe(0);
  });

  it("goes through a temporary name in the same folder, synced before the rename", () => {
    const calls: string[] = [];
    const spy = failing({
      openSync: (path, flags) => (calls.push(`open ${String(path)} ${String(flags)}`), fs.openSync(path, flags)),
      fsyncSync: (fd) => (calls.push("fsync"), fs.fsyncSync(fd)),
      renameSync: (from, to) => (calls.push(`rename ${String(from)} -> ${String(to)}`), fs.renameSync(from, to)),
    });
    const path = join(dir, "w.bin");
    writeFileAtomic(path, bytesOf(1), spy);
    expect(calls).toHaveLength(3);
    const temp = calls[0]!.split(" ")[1]!;
    expect(temp.startsWith(`${path}.tmp-${process.pid}-`)).toBe(true);
    expect(calls).toEqual([`open ${temp} wx`, "fsync", `rename ${temp} -> ${path}`]);
  });

  it("fails with a clear error, and creates nothing, when the folder does not exist", () => {
    const path = join(dir, "missing", "w.bin");
    expect(() => writeFileAtomic(path, bytesOf(1))).toThrow(new RegExp(`^cannot write ${path.replace(/[.\\]/g, "\\$&")}: ENOENT`));
    expect(listing()).toEqual([]);
  });

  it("removes the temporary file and keeps the old file when a write throws midway", () => {
    const path = join(dir, "w.bin");
    fs.writeFileSync(path, "old");
    let writes = 0;
    const diskFull = failing({
      writeSync: ((fd: number, buffer: Uint8Array, offset: number) => {
        if (++writes > 1) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        return fs.writeSync(fd, buffer, offset, 2); // a partial write: the loop must come back
      }) as AtomicWriteFs["writeSync"],
    });
    let error: Error | undefined;
    try {
      writeFileAtomic(path, bytesOf(1, 2, 3, 4, 5), diskFull);
    } catch (e) {
      error = e as Error;
    }
    expect(writes).toBe(2);
    expect(error?.message).toBe(`cannot write ${path}: ENOSPC: no space left on device, write`);
    expect((error?.cause as { code?: string }).code).toBe("ENOSPC");
    expect(listing()).toEqual(["w.bin"]);
    expect(fs.readFileSync(path, "utf8")).toBe("old");
  });

  it("completes partial writes", () => {
    const oneByteAtATime = failing({
      writeSync: ((fd: number, buffer: Uint8Array, offset: number) => fs.writeSync(fd, buffer, offset, 1)) as AtomicWriteFs["writeSync"],
    });
    writeFileAtomic(join(dir, "w.bin"), bytesOf(9, 8, 7, 6), oneByteAtATime);
    expect([...fs.readFileSync(join(dir, "w.bin"))]).toEqual([9, 8, 7, 6]);
  });

  it("cleans up when the sync fails", () => {
    const path = join(dir, "w.bin");
    const badDisk = failing({
      fsyncSync: () => {
        throw new Error("EIO: i/o error, fsync");
      },
    });
    expect(() => writeFileAtomic(path, bytesOf(1), badDisk)).toThrow(/cannot write .*w\.bin: EIO: i\/o error, fsync/);
    expect(listing()).toEqual([]);
  });

  it("cleans up when the rename fails (the target is a folder)", () => {
    const path = join(dir, "taken");
    fs.mkdirSync(path);
    fs.writeFileSync(join(path, "inside"), "x");
    expect(() => writeFileAtomic(path, bytesOf(1))).toThrow(/^cannot write .*taken: /);
    expect(listing()).toEqual(["taken"]);
  });

  it("reports the original error even when the clean-up fails too", () => {
    const path = join(dir, "w.bin");
    const worse = failing({
      renameSync: () => {
        throw new Error("EXDEV: rename failed");
      },
      rmSync: () => {
        throw new Error("EPERM: cannot remove");
      },
    });
    expect(() => writeFileAtomic(path, bytesOf(1), worse)).toThrow(/EXDEV: rename failed/);
  });
});

describe("readFileBytes", () => {
  it("reads a whole file", () => {
    fs.writeFileSync(join(dir, "r.bin"), bytesOf(4, 5, 6));
    const bytes = readFileBytes(join(dir, "r.bin"));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes]).toEqual([4, 5, 6]);
  });

  it("names the file it cannot read", () => {
    const path = join(dir, "nope.bin");
    expect(() => readFileBytes(path)).toThrow(`cannot read ${path}: ENOENT`);
  });
});
