import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { MlpBench } from "../../bench/models/bench.gen";
import { Random } from "../../runtime/random";
import { CHECKPOINT_FIT, crashWriterData, crashWriterWeights } from "../support/crash-writer";

// save and modelCheckpoint under a crash at any point (DESIGN.md section 4): a child process writes a
// 2.8 MB weights file over and over and is killed with SIGKILL at a seeded random moment. Whenever it
// dies, the file must be whole: byte for byte the last write that finished (or, when the kill came
// after the rename, the one in flight), and loadable. A kill counts as "during a write" when the
// write's temporary file is left behind; each mode goes on until one was, at least MIN_TRIES kills
// and at most MAX_TRIES. Nothing depends on timing but how many tries that takes.

const root = fileURLToPath(new URL("../..", import.meta.url));
const writer = join(root, "test", "support", "crash-writer.ts");
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const MIN_TRIES = 3;
const MAX_TRIES = 20;
const FILE = "weights.safetensors";

type Mode = "save" | "checkpoint";

const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
};

/** Byte equality without a deep comparison of 2.8 million elements. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/** The bytes write K of the child holds (K = -1: the file the parent puts there first). */
function expectedBytes(mode: Mode, k: number): Uint8Array {
  const model = new MlpBench();
  if (mode === "save") model.setWeights(crashWriterWeights(model.getWeights(), k));
  else if (k >= 0) {
    const { x, y } = crashWriterData();
    model.fit(x, y, { ...CHECKPOINT_FIT, epochs: k + 1 });
  }
  return model.toBytes();
}

interface Kill {
  /** The last write the child announced. */
  readonly announced: number;
  /** Whether the write's temporary file was left behind: the kill came between its creation and the rename. */
  readonly midWrite: boolean;
  readonly bytes: Uint8Array;
  readonly path: string;
}

/**
 * Starts a writer and kills it `delay` ms after it announces write `at`, or, with `aim`, `delay` ms
 * after that write shows: its temporary file appears (or the file itself changes size, as it would
 * were it written in place; failing both, a second after the announcement). Reports what it left.
 */
function killWriter(mode: Mode, at: number, delay: number, aim: boolean): Promise<Kill> {
  const dir = mkdtempSync(join(tmpdir(), "typegrad-crash-"));
  dirs.push(dir);
  const path = join(dir, FILE);
  const first = expectedBytes(mode, -1);
  writeFileSync(path, first);
  return new Promise((resolve, reject) => {
    // node itself, not the tsx wrapper (which runs node as a child that a SIGKILL would not reach).
    const child = spawn(process.execPath, ["--import", "tsx", writer, mode, path], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const kill = () => (timer = setTimeout(() => child.kill("SIGKILL"), delay));
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (timer || poll || !new RegExp(`^saving ${at}$`, "m").test(out)) return;
      if (!aim) return void kill();
      const giveUp = Date.now() + 1000;
      poll = setInterval(() => {
        if (!timer && Date.now() > giveUp) return void kill();
        if (timer || !(readdirSync(dir).some((f) => f !== FILE) || sizeOf(path) !== first.length)) return;
        clearInterval(poll);
        kill();
      }, 1);
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      if (signal !== "SIGKILL") return reject(new Error(`crash-writer ended by itself (code ${code}, signal ${signal}): ${err}`));
      const announced = Math.max(...[...out.matchAll(/^saving (\d+)$/gm)].map((m) => Number(m[1])));
      const temps = readdirSync(dir).filter((f) => f !== FILE);
      if (temps.length > 1 || !temps.every((f) => f.startsWith(`${FILE}.tmp-${child.pid}-`))) return reject(new Error(`unexpected files: ${temps.join(", ")}`));
      const bytes = sizeOf(path) >= 0 ? new Uint8Array(readFileSync(path)) : new Uint8Array(0); // gone: no file is not a whole one
      resolve({ announced, midWrite: temps.length === 1, bytes, path });
    });
  });
}

describe.each(["save", "checkpoint"] as const)("a process killed while %s writes a weights file", (mode) => {
  it("leaves the previous file whole, every time", { timeout: 240_000 }, async () => {
    const random = new Random(mode === "save" ? 13 : 14);
    const kills: Kill[] = [];
    const log: string[] = [];
    const started = performance.now();
    while (kills.length < MIN_TRIES || (!kills.some((k) => k.midWrite) && kills.length < MAX_TRIES)) {
      // A save takes 10-40 ms here, about half of it writing. Every other kill is aimed at the write
      // (a few ms after its temporary file appears); the others fall anywhere in a save.
      const aim = kills.length % 2 === 0;
      const kill = await killWriter(mode, 2 + Math.floor(random.uniform() * 4), Math.floor(random.uniform() * (aim ? 4 : 30)), aim);
      kills.push(kill);
      const k = kill.announced;
      expect(Number.isInteger(k), "the writer announced a write").toBe(true);
      const previous = expectedBytes(mode, k - 1);
      // Killed mid-write: the previous file, byte for byte. Otherwise the write in flight may have
      // been renamed into place already: then it is whole.
      if (kill.midWrite) expect(same(kill.bytes, previous), `kill ${kills.length}, mid-write ${k}: the previous file`).toBe(true);
      else expect(same(kill.bytes, previous) || same(kill.bytes, expectedBytes(mode, k)), `kill ${kills.length}, write ${k}`).toBe(true);
      // And it loads (checksums and all), with the weights that were saved.
      const loaded = MlpBench.load(kill.path).toBytes();
      expect(same(loaded, kill.bytes), `kill ${kills.length}: loaded and saved again`).toBe(true);
      log.push(`${kill.midWrite ? "mid-write" : "between"} ${k} ${(performance.now() - started).toFixed(0)}ms`);
    }
    expect(kills.some((k) => k.midWrite), `no kill of ${kills.length} came during a write: ${log.join(", ")}`).toBe(true);
  });
});
