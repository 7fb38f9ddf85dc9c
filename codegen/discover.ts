// Finds model files: every *.model.ts below the given paths (node_modules and dot-folders skipped).

import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const SKIP = new Set(["node_modules", "dist", "coverage"]);

function walk(dir: string, found: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, found);
    else if (entry.isFile() && entry.name.endsWith(".model.ts")) found.push(path);
  }
}

/** Model files under `paths` (files or folders), absolute, sorted; throws for a path that does not exist. */
export function discoverModelFiles(paths: readonly string[], root: string): string[] {
  const found: string[] = [];
  for (const path of paths.length ? paths : [root]) {
    const absolute = resolve(root, path);
    let stat;
    try {
      stat = statSync(absolute);
    } catch {
      throw new Error(`gen: ${relative(root, absolute) || path} does not exist`);
    }
    if (stat.isDirectory()) walk(absolute, found);
    else if (absolute.endsWith(".model.ts")) found.push(absolute);
    else throw new Error(`gen: ${path} is not a *.model.ts file or a folder`);
  }
  return [...new Set(found)].sort();
}

/** examples/xor/xor.model.ts -> examples/xor/xor.gen.ts */
export function generatedPath(modelFile: string): string {
  return modelFile.replace(/\.model\.ts$/, ".gen.ts");
}
