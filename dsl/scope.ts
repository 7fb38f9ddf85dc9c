// A scope is what owns nodes and parameters: a layer instance, a bare op call, a standalone
// parameter or a Module. Scopes get their names (dense, dense_1, ...) when a model is built, in the
// order data flows through them, unless the user named them.

export class Scope {
  /** The name given by the user (or a Module property); otherwise assigned per model. */
  fixedName: string | undefined;

  constructor(
    /** Keras class name, shown by summary(): "Dense", "LSTM", "Add". */
    readonly typeName: string,
    /** Prefix of generated names: "dense", "lstm", "add". */
    readonly baseName: string,
    name?: string,
  ) {
    this.fixedName = name;
  }
}
