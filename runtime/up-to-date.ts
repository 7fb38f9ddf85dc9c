// The type-level tie between a generated module and its model file. `typegrad gen` writes into
// NAME.gen.ts, for each model,
//
//   import type * as models from "./NAME.model.js";
//   true satisfies UpToDate<typeof models.net, [[4]], [3], ["float32"], "NAME.gen.ts is out of date: ...">;
//
// The import is type-only, so the runtime never loads the model file; the editor and tsc do, and
// when the model's input or output shapes (or input dtypes) no longer match the ones the module was
// generated for, the statement is a type error whose text is the message: "... run typegrad gen".

/**
 * `true` when the model's type (a `CompiledModel`) takes `Inputs` with dtypes `InputDTypes` and
 * returns `Output`, as the generated module does; otherwise `Message`. A model whose shape types are
 * not literals (built from plain `number`s) cannot be compared and passes.
 */
export type UpToDate<Model, Inputs, Output, InputDTypes, Message extends string> = Model extends {
  readonly inputShapes: infer ModelInputs;
  readonly outputShape: infer ModelOutput;
  readonly inputDTypes: infer ModelDTypes;
}
  ? [[Inputs, Output, InputDTypes]] extends [[ModelInputs, ModelOutput, ModelDTypes]]
    ? true
    : Message
  : Message;
