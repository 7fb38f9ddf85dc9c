// Imports a model file and collects its compiled models. A Module built without run-time shapes
// gets them from its type, `Module<[4], [3]>`, read with the TypeScript checker.
//
// The file is imported through tsx's loader (a fresh copy each time, so `typegrad gen --watch` sees
// edits), which works the same from this repository's sources and from the compiled package on
// plain Node. The checker uses the nearest tsconfig.json above the model file, or sensible defaults
// when there is none: a user's own project, whatever its tsconfig says, or none at all.

import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Project, ts, type CompilerOptions } from "ts-morph";
import { tsImport } from "tsx/esm/api";
import { isCompiledModel, type CompiledModel } from "../dsl/models/compiled-model";
import type { GraphIR } from "../dsl/ir";
import type { DType } from "../dsl/types/shape";
import { isLibraryFile } from "./package-info";

export interface LoadedModel {
  readonly exportName: string;
  readonly ir: GraphIR;
}

export interface SourceLocation {
  /** Absolute path. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** A model file that cannot be loaded; `location` is the user's call that failed, when known. */
export class ModelFileError extends Error {
  constructor(
    message: string,
    readonly location?: SourceLocation,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ModelFileError";
  }
}

export interface LoadOptions {
  /** The tsconfig.json to read types with; by default the nearest one above the model file. */
  readonly tsconfig?: string;
  /** Called with the path of each of the user's files the model file loads (itself included). */
  readonly onDependency?: (path: string) => void;
}

/** What the checker assumes when the project has no tsconfig.json. */
const DEFAULT_OPTIONS: CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  skipLibCheck: true,
  noEmit: true,
};

/** The nearest tsconfig.json at or above `dir`, if any. */
export function findTsconfig(dir: string): string | undefined {
  return ts.findConfigFile(dir, ts.sys.fileExists);
}

function createProject(tsconfig: string | undefined): Project {
  return tsconfig
    ? new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true })
    : new Project({ compilerOptions: DEFAULT_OPTIONS });
}

/** A property of the export's type, `CompiledModel<[[4]], [3], ["float32"]>`, read as JSON. */
function typeArgument(project: Project, file: string, exportName: string, property: "inputShapes" | "outputShape" | "inputDTypes"): unknown {
  const source = project.getSourceFile(file) ?? project.addSourceFileAtPath(file);
  const declaration = source.getExportedDeclarations().get(exportName)?.[0];
  if (!declaration) throw new Error(`cannot find the declaration of "${exportName}"`);
  const text = declaration.getType().getPropertyOrThrow(property).getTypeAtLocation(declaration).getText();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`"${exportName}": its ${property} type is ${text}, not a tuple of literals`);
  }
}

function irOf(model: CompiledModel, file: string, exportName: string, project: () => Project): GraphIR {
  if (!model.needsShapesFromTypes) return model.ir;
  const inputs = typeArgument(project(), file, exportName, "inputShapes") as number[][];
  const output = typeArgument(project(), file, exportName, "outputShape") as number[];
  const [dtype] = typeArgument(project(), file, exportName, "inputDTypes") as DType[];
  return model.buildWithShapes!(inputs[0]!, output, dtype!);
}

/** "file:///a/b.ts?tsx-namespace=1" or "/a/b.ts" -> "/a/b.ts"; undefined for node: and other schemes. */
function pathOf(location: string): string | undefined {
  if (location.startsWith("file://")) return fileURLToPath(location.replace(/[?#].*$/, ""));
  return location.startsWith("/") || /^[A-Za-z]:[\\/]/.test(location) ? location.replace(/[?#].*$/, "") : undefined;
}

/** The innermost frame of the error's stack in the user's files (not typegrad's, not a package's). */
export function userFrame(error: unknown): SourceLocation | undefined {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  for (const line of stack.split("\n").slice(1)) {
    const match = /^\s*at (?:.*?\()?(.+?):(\d+):(\d+)\)?\s*$/.exec(line);
    const file = match && pathOf(match[1]!);
    if (file && !isLibraryFile(file)) return { file, line: Number(match![2]), column: Number(match![3]) };
  }
  return undefined;
}

/**
 * Where tsc reports the same sentence in one of `files`: the DSL's run-time checks throw the
 * messages its types show, and tsc puts them on the offending argument (the `reshape([16, 17])`
 * inside a `sequential(...)`), where the stack only knows the `sequential` call.
 */
function diagnosticLocation(project: Project, files: readonly string[], message: string): SourceLocation | undefined {
  for (const file of files) {
    const source = project.getSourceFile(file) ?? project.addSourceFileAtPath(file);
    for (const diagnostic of source.getPreEmitDiagnostics()) {
      const text = ts.flattenDiagnosticMessageText(diagnostic.compilerObject.messageText, "\n");
      const start = diagnostic.getStart();
      if (diagnostic.getSourceFile()?.getFilePath() !== source.getFilePath() || start === undefined || !text.includes(message)) continue;
      const { line, column } = source.getLineAndColumnAtPos(start);
      return { file, line, column };
    }
  }
  return undefined;
}

function locate(error: unknown, modelFile: string, project: () => Project): SourceLocation | undefined {
  const frame = userFrame(error);
  const message = error instanceof Error ? error.message : "";
  if (!frame || !message) return frame;
  try {
    return diagnosticLocation(project(), [...new Set([frame.file, modelFile])], message) ?? frame;
  } catch {
    return frame;
  }
}

/**
 * The compiled models a file exports, in export order. Throws a ModelFileError with the cause (and
 * the place in the user's code, when the error came from there) when the file cannot load.
 */
export async function loadModels(file: string, options: LoadOptions | string = {}): Promise<LoadedModel[]> {
  const { tsconfig = findTsconfig(dirname(file)), onDependency } = typeof options === "string" ? { tsconfig: options } : options;
  let project: Project | undefined;
  const getProject = () => (project ??= createProject(tsconfig));
  const onImport = (url: string) => {
    const path = pathOf(url);
    if (path && !isLibraryFile(path)) onDependency?.(path);
  };
  try {
    const module = (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url, onImport, ...(tsconfig ? { tsconfig } : {}) })) as Record<string, unknown>;
    const models: LoadedModel[] = [];
    for (const [exportName, value] of Object.entries(module)) {
      if (isCompiledModel(value)) models.push({ exportName, ir: irOf(value, file, exportName, getProject) });
    }
    return models;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ModelFileError(message, locate(error, file, getProject), { cause: error });
  }
}
