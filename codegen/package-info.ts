// Where typegrad itself lives: this repository when run from the sources, node_modules/typegrad
// (with the compiled code in dist/) when installed in a user's project.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface PackageInfo {
  /** The folder holding typegrad's package.json. */
  readonly root: string;
  readonly version: string;
}

let cached: PackageInfo | undefined;

/** typegrad's package folder and version, from the nearest package.json named "typegrad" above this file. */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (json.name === "typegrad" && json.version) return (cached = { root: dir, version: json.version });
    }
    if (dirname(dir) === dir) throw new Error("cannot find typegrad's package.json");
  }
}

/** Whether a file belongs to typegrad itself or to an installed package, not to the user's project. */
export function isLibraryFile(path: string): boolean {
  if (path.split(/[\\/]/).includes("node_modules")) return true;
  const { root } = packageInfo();
  return ["dsl", "runtime", "codegen", "dist"].some((dir) => path.startsWith(join(root, dir) + sep));
}
