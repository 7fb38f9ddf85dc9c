// typegrad/codegen: `typegrad gen` as functions, the emitter, and the float64 reference interpreter.
// Loads the TypeScript compiler, ts-morph, prettier and tsx: a trained model needs none of this,
// only typegrad/runtime and its generated module.

export { gen, genFile, outcomeLine, type GenOptions, type GenOutcome } from "./gen";
export { watch, type WatchOptions, type Watcher } from "./watch";
export { loadModels, ModelFileError, findTsconfig, type LoadedModel, type LoadOptions, type SourceLocation } from "./load-models";
export { discoverModelFiles, generatedPath } from "./discover";
export { emitModule, GENERATED_FORMAT, type ModuleSource, type ModuleHeader } from "./emit-module";
export { className } from "./class-name";
export * as interpreter from "./interpreter";
