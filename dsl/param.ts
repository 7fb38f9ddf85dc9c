import type { InitializerConfig } from "./config/initializers";
import type { RegularizerConfig } from "./config/regularizers";
import type { Scope } from "./scope";

/** A weight of the model: a trainable kernel or bias, or non-trainable state such as moving means. */
export class Param {
  constructor(
    readonly owner: Scope,
    /** Name within its owner: "kernel", "bias", "moving_mean"; the full name is owner_local. */
    readonly localName: string,
    readonly shape: readonly number[],
    readonly initializer: InitializerConfig,
    readonly trainable: boolean = true,
    readonly regularizer: RegularizerConfig | null = null,
  ) {}
}
