// Imports a model file and collects its compiled models. A Module built without run-time shapes
// gets them from its type, `Module<[4], [3]>`, read with the TypeScript checker.

import { pathToFileURL } from "node:url";
import { Project } from "ts-morph";
import { isCompiledModel, type CompiledModel } from "../dsl/models/compiled-model";
import type { GraphIR } from "../dsl/ir";
import type { DType } from "../dsl/types/shape";

export interface LoadedModel {
  readonly exportName: string;
  readonly ir: GraphIR;
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

/** The compiled models a file exports, in export order. Throws with the cause when the file cannot load. */
export async function loadModels(file: string, tsconfig: string): Promise<LoadedModel[]> {
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  let project: Project | undefined;
  const getProject = () => (project ??= new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true }));
  const models: LoadedModel[] = [];
  for (const [exportName, value] of Object.entries(module)) {
    if (isCompiledModel(value)) models.push({ exportName, ir: irOf(value, file, exportName, getProject) });
  }
  return models;
}
