// The subclassing style: `class TinyNet extends Module<[4], [3]> { call(x) { ... } }`. Weights
// and layers held in properties take the property's name (`w`, `hidden_kernel`).

import type { InitializerArg } from "../config/initializers";
import { isTensor, type AnyTensor, type Tensor } from "../tensor";
import { isLayer } from "../layer";
import { DEFAULT_SEED, buildGraph } from "../graph";
import { input } from "../input";
import { param, type ParamOptions } from "../param-op";
import { checkShapeArgument, sameShape, shapeText } from "../shapes";
import type { DType, Shape, ShapeText, Writable } from "../types/shape";
import { CompiledModel } from "./compiled-model";
import type { Param } from "../param";
import type { Scope } from "../scope";
import { resolveSeed, resolveTraining, type CompileConfig } from "./compile-config";

export interface ModuleOptions<D extends DType> {
  /** The input's element type: "int32" for token ids. */
  dtype?: D;
  name?: string;
}

export abstract class Module<In extends Shape, Out extends Shape, D extends DType = "float32"> {
  readonly #inputShape: In | undefined;
  readonly #outputShape: Out | undefined;
  readonly #options: ModuleOptions<D>;

  /**
   * The shapes are the type arguments again, for the run-time checks; `npm run gen` reads them
   * from the types when they are left out.
   */
  constructor(inputShape?: In, outputShape?: Out, options: ModuleOptions<D> = {}) {
    this.#inputShape = inputShape === undefined ? undefined : (checkShapeArgument("Module", inputShape) as In);
    this.#outputShape = outputShape === undefined ? undefined : (checkShapeArgument("Module", outputShape) as Out);
    this.#options = options;
  }

  /** Must return the declared output shape; the sentence in the union is what the editor shows otherwise. */
  abstract call(x: Tensor<Writable<In>, D>): Tensor<Writable<Out>> | `Module: call must return Tensor<${ShapeText<Out>}>`;

  /** A weight of this module, named after the property that holds it. */
  protected param<const S extends Shape>(shape: S, initializer: InitializerArg = "glorotUniform", options: ParamOptions = {}): Tensor<Writable<S>> {
    return param(shape, initializer, options);
  }

  compile(config: CompileConfig): CompiledModel<[Writable<In>], Writable<Out>, [D]> {
    const className = this.constructor.name;
    return new CompiledModel(
      () => this.buildIR(config, this.#inputShape, this.#outputShape, className),
      this.#inputShape === undefined ? (input, output, dtype) => this.buildIR(config, input, output, className, dtype) : undefined,
    );
  }

  /** Builds the IR for the given shapes (used by `npm run gen` when the constructor was not given them). */
  buildIR(
    config: CompileConfig | null,
    inputShape: Shape | undefined,
    outputShape: Shape | undefined,
    name = this.constructor.name,
    inputDType: DType = this.#options.dtype ?? "float32",
  ): ReturnType<typeof buildGraph> {
    if (inputShape === undefined) {
      throw new Error(`${name}: the input shape is not known at run time; pass it to the constructor (super([4], [3])) or run typegrad gen, which reads Module<In, Out>`);
    }
    const x = input(inputShape, { dtype: inputDType });
    const out = this.call(x as Tensor<Writable<In>, D>) as unknown;
    if (!isTensor(out)) throw new Error(`${name}: call must return a tensor`);
    if (outputShape !== undefined && !sameShape(out.shape, outputShape)) {
      throw new Error(`Module: call must return Tensor<${shapeText(outputShape)}>, got Tensor<${shapeText(out.shape)}>`);
    }
    const memberOrder = this.nameMembers();
    const training = config ? resolveTraining(config, out) : null;
    const seed = resolveSeed(config?.seed, DEFAULT_SEED);
    return buildGraph({ name, inputs: [x], outputs: [out], training, seed, memberOrder });
  }

  /**
   * Properties name what they hold, weights and layers. Returns their scopes, weights first, each in
   * property order (Keras' order of a subclassed model's variables).
   */
  private nameMembers(): Scope[] {
    const weights: Scope[] = [];
    const layers: Scope[] = [];
    for (const [key, value] of Object.entries(this)) {
      if (isLayer(value)) {
        value.core.fixedName ??= key;
        layers.push(value.core);
      } else if (isTensor(value) && (value as AnyTensor).origin.kind === "param") {
        const owner = ((value as AnyTensor).origin as { param: Param }).param.owner;
        owner.fixedName ??= key;
        weights.push(owner);
      }
    }
    return [...weights, ...layers];
  }
}
