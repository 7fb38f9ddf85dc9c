// `typegrad gen` as a function: writes NAME.gen.ts beside every NAME.model.ts (or checks them).

import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { className } from "./class-name";
import { discoverModelFiles, generatedPath } from "./discover";
import { emitModule } from "./emit-module";
import { loadModels, ModelFileError, type SourceLocation } from "./load-models";
import { packageInfo } from "./package-info";
import { writeFileAtomic } from "./write-file";

export interface GenOptions {
  /** Model files or folders to search, relative to `root`; by default `root` itself. */
  readonly paths?: readonly string[];
  /** The project folder: paths are resolved and reported relative to it. Default: the current folder. */
  readonly root?: string;
  /** Compare each generated file with what it would be instead of writing it. */
  readonly check?: boolean;
  /** The tsconfig.json to read types with; by default the nearest one above each model file. */
  readonly tsconfig?: string;
}

export interface GenOutcome {
  /** The model file, relative to the root: "examples/xor/xor.model.ts". */
  readonly file: string;
  /** The generated file, relative to the root: "examples/xor/xor.gen.ts". */
  readonly generated: string;
  readonly status: "written" | "unchanged" | "stale" | "failed";
  /** Why it failed or is stale. */
  readonly message?: string;
  /** Where in the user's code it failed, when known (relative to the root). */
  readonly location?: SourceLocation;
  /** The user's files the model file loaded (itself included), absolute; `--watch` watches them. */
  readonly dependencies: readonly string[];
}

const causeOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const slashes = (path: string) => path.split("\\").join("/");

/** Generates (or with `check`, compares) the module of one model file. Never throws. */
export async function genFile(modelFile: string, options: Omit<GenOptions, "paths"> = {}): Promise<GenOutcome> {
  const root = resolve(options.root ?? process.cwd());
  const absolute = resolve(root, modelFile);
  const file = slashes(relative(root, absolute));
  const target = generatedPath(absolute);
  const generated = slashes(relative(root, target));
  const dependencies = new Set<string>([absolute]);
  const outcome = (status: GenOutcome["status"], extra: Partial<GenOutcome> = {}): GenOutcome => ({ file, generated, status, dependencies: [...dependencies], ...extra });
  let models;
  try {
    models = await loadModels(absolute, { ...(options.tsconfig ? { tsconfig: resolve(root, options.tsconfig) } : {}), onDependency: (path) => dependencies.add(path) });
  } catch (error) {
    const location = error instanceof ModelFileError ? error.location : undefined;
    if (location) return outcome("failed", { message: causeOf(error), location: { ...location, file: slashes(relative(root, location.file)) } });
    return outcome("failed", { message: `cannot load the model file: ${causeOf(error)}` });
  }
  if (models.length === 0) {
    return outcome("failed", { message: "exports no compiled model (export const net = sequential(...).compile({ loss, optimizer }))" });
  }
  let text: string;
  try {
    const sources = models.map((m) => ({ exportName: m.exportName, className: className(m.exportName), ir: m.ir }));
    text = await emitModule(sources, { sourceFile: file, version: packageInfo().version });
  } catch (error) {
    return outcome("failed", { message: causeOf(error) });
  }
  const current = existsSync(target) ? readFileSync(target, "utf8") : null;
  if (current === text) return outcome("unchanged");
  if (options.check) return outcome("stale", { message: current === null ? `${generated} is missing` : `${generated} is out of date` });
  writeFileAtomic(target, text);
  return outcome("written");
}

/**
 * Generates the module of every model file under `paths`, one after the other. Throws only for a
 * path that does not exist; each file's failure is in its outcome.
 */
export async function gen(options: GenOptions = {}): Promise<GenOutcome[]> {
  const root = resolve(options.root ?? process.cwd());
  const files = discoverModelFiles(options.paths ?? [], root);
  const outcomes: GenOutcome[] = [];
  for (const file of files) outcomes.push(await genFile(file, { ...options, root }));
  return outcomes;
}

/** The line `typegrad gen` prints for an outcome, and whether it is an error. */
export function outcomeLine(outcome: GenOutcome): { readonly line: string; readonly error: boolean } {
  const { status, file, generated, message, location } = outcome;
  if (status === "written" || status === "unchanged") return { line: `${status === "written" ? "wrote" : "unchanged"} ${generated}`, error: false };
  const where = location ? `${location.file}:${location.line}:${location.column}` : file;
  return { line: `${where}: ${message}`, error: true };
}
