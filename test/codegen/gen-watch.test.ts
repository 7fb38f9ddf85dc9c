import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `typegrad gen --watch` end to end: one line per generated file, a model regenerated when it or a
// file it imports changes (and only then), a shape error named by file and line, a new model file
// picked up. No fixed sleeps: each step polls for its effect, with a generous limit.

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = join(root, "node_modules", ".bin", "tsx");
const LIMIT_MS = 120_000;

let dir: string;
let child: ChildProcess;
let out = "";
let err = "";

const modelA = (extra = "") => `import { dense, input, sequential, sgd } from "typegrad/dsl";
import { HIDDEN } from "./layers";

export const netA = sequential(
  input([3]),
  dense(HIDDEN, "relu"),
  dense(1${extra}),
).compile({ loss: "meanSquaredError", optimizer: sgd() });
`;
const modelB = `import { dense, input, sequential, sgd } from "typegrad/dsl";
export const netB = sequential(input([2]), dense(1)).compile({ loss: "meanSquaredError", optimizer: sgd() });
`;

const path = (name: string) => join(dir, name);
const rel = (name: string) => relative(root, path(name));
const count = (text: string, needle: string) => text.split(needle).length - 1;

async function waitFor(what: string, done: () => boolean): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > LIMIT_MS) throw new Error(`gave up waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`);
    if (child.exitCode !== null) throw new Error(`gen --watch exited with ${child.exitCode} while waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(() => {
  mkdirSync(join(root, "test", ".tmp"), { recursive: true });
  dir = mkdtempSync(join(root, "test", ".tmp", "watch-"));
  writeFileSync(path("layers.ts"), "export const HIDDEN = 4;\n");
  writeFileSync(path("a.model.ts"), modelA());
  writeFileSync(path("b.model.ts"), modelB);
  child = spawn(tsx, ["codegen/cli.ts", "gen", "--watch", relative(root, dir)], { cwd: root });
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
});

afterAll(() => {
  if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("typegrad gen --watch", () => {
  it("generates every model file once, one line each, then says it is watching", async () => {
    await waitFor("the first generation", () => out.includes("watching for changes"));
    expect(out).toContain(`wrote ${rel("a.gen.ts")}\n`);
    expect(out).toContain(`wrote ${rel("b.gen.ts")}\n`);
    expect(err).toBe("");
  }, LIMIT_MS + 10_000);

  it("regenerates a model when a file it imports changes, and only that model", async () => {
    writeFileSync(path("layers.ts"), "export const HIDDEN = 5;\n");
    await waitFor("a.gen.ts with 5 hidden units", () => readFileSync(path("a.gen.ts"), "utf8").includes("[3 x 5]"));
    await waitFor("the line for a.gen.ts", () => count(out, `wrote ${rel("a.gen.ts")}\n`) === 2);
    expect(count(out, rel("b.gen.ts"))).toBe(1);
  }, LIMIT_MS + 10_000);

  it("reports a shape error with the model file and the line of the offending call", async () => {
    writeFileSync(path("a.model.ts"), modelA(", { inputDim: 7 }"));
    await waitFor("the shape error", () => err.includes("dense: expects 7 input features, got 5"));
    expect(err).toMatch(new RegExp(`^${rel("a.model.ts").replace(/[.]/g, "\\.")}:7:\\d+: dense: expects 7 input features, got 5$`, "m"));
    expect(readFileSync(path("a.gen.ts"), "utf8")).toContain("[3 x 5]"); // the last good module stays
  }, LIMIT_MS + 10_000);

  it("regenerates the model file itself when it is fixed", async () => {
    writeFileSync(path("a.model.ts"), modelA().replace("input([3])", "input([6])"));
    await waitFor("a.gen.ts for 6 inputs", () => readFileSync(path("a.gen.ts"), "utf8").includes("[6 x 5]"));
    await waitFor("the line for a.gen.ts", () => count(out, `wrote ${rel("a.gen.ts")}\n`) === 3);
  }, LIMIT_MS + 10_000);

  it("picks up a new model file in a watched folder", async () => {
    writeFileSync(path("c.model.ts"), modelB.replace("netB", "netC"));
    await waitFor("c.gen.ts", () => existsSync(path("c.gen.ts")) && out.includes(`wrote ${rel("c.gen.ts")}\n`));
    expect(readFileSync(path("c.gen.ts"), "utf8")).toContain("export class NetC ");
  }, LIMIT_MS + 10_000);

  it("stops on SIGTERM", async () => {
    child.kill("SIGTERM");
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
    expect(child.exitCode).toBe(0);
  }, 30_000);
});
