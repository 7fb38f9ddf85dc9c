import { hashIR } from "../hash";
import type { GraphIR } from "../ir";
import { summaryText } from "../summary";
import type { DType, Shape } from "../types/shape";

/** Marks compiled models, so `npm run gen` can find them among a module's exports. */
export const COMPILED_MODEL = Symbol.for("typegrad.compiledModel");

/**
 * A model with its loss and optimiser: what `npm run gen` turns into a generated class. Its type
 * carries the per-example input shapes and dtypes and the output shape.
 */
export class CompiledModel<Ins extends readonly Shape[] = readonly Shape[], Out extends Shape = Shape, InTypes extends readonly DType[] = readonly DType[]> {
  readonly [COMPILED_MODEL] = true;
  declare readonly inputShapes: Ins;
  declare readonly inputDTypes: InTypes;
  declare readonly outputShape: Out;
  #ir: GraphIR | undefined;

  constructor(
    private readonly build: () => GraphIR,
    /** For Modules built without run-time shapes: builds the IR once `npm run gen` has read them from the types. */
    readonly buildWithShapes?: (inputShape: Shape, outputShape: Shape, inputDType: DType) => GraphIR,
  ) {}

  /** Whether the IR can be built without the shapes that only the types carry. */
  get needsShapesFromTypes(): boolean {
    return this.buildWithShapes !== undefined && this.#ir === undefined && !this.canBuild();
  }

  private canBuild(): boolean {
    try {
      this.#ir = this.build();
      return true;
    } catch {
      return false;
    }
  }

  /** The Graph IR (built on first use). */
  get ir(): GraphIR {
    return (this.#ir ??= this.build());
  }

  get hash(): string {
    return hashIR(this.ir);
  }

  /** The Keras summary table; printed unless `print` is false. */
  summary(print: ((line: string) => void) | false = console.log): string {
    const text = summaryText(this.ir);
    if (print) print(text);
    return text;
  }
}

export function isCompiledModel(value: unknown): value is CompiledModel {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[COMPILED_MODEL] === true;
}
