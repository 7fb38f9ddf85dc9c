import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as runtime from "../../runtime";

const ROOT = fileURLToPath(new URL("../../runtime", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Every import / export-from statement of a file: [whole statement, module specifier]. */
function imports(text: string): [string, string][] {
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => [m[0].trim(), m[1]!]);
}

describe("runtime/ stays loadable in a browser (DESIGN.md section 2)", () => {
  const files = sources(ROOT);

  it("finds the runtime's files", () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const file of files) {
    const name = relative(ROOT, file);
    it(`${name} imports only runtime files and dsl types`, () => {
      const text = readFileSync(file, "utf8");
      for (const [statement, specifier] of imports(text)) {
        if (specifier.includes("/dsl/")) expect(statement, `${name}: ${statement}`).toMatch(/^(import|export) type /);
        else expect(specifier, `${name}: ${statement}`).toMatch(/^\.\.?\//);
      }
      // the gemm worker's script is the text a Node worker thread runs, which requires worker_threads there
      const workerScript = name === join("gemm", "gemm-worker-source.ts");
      if (!workerScript) expect(text).not.toMatch(/\brequire\(|\bimport\(\s*["'](?!node:fs["']\))/);
      expect(text).not.toMatch(/["'](typescript|ts-morph|prettier)["']/);
      // Node is reached only by files.ts (fs), datasets/npm-package.ts (the module resolver, to find a
      // corpus' package) and node-host.ts (os, v8, worker_threads), at run time, through
      // process.getBuiltinModule; and inside the worker thread's script.
      const reachesNode = ["files.ts", join("datasets", "npm-package.ts"), "node-host.ts"].includes(name) || workerScript;
      if (!reachesNode) expect(text, name).not.toMatch(/["']node:/);
    });
  }
});

describe("runtime/index.ts", () => {
  it("exports the building blocks", () => {
    for (const name of ["Random", "initialize", "fans", "createOptimizer", "encodeSafetensors", "decodeSafetensors", "progressLine", "epochLine", "formatValue", "writeFileAtomic", "readFileBytes"]) {
      expect(typeof (runtime as Record<string, unknown>)[name], name).toBe("function");
    }
  });
});
