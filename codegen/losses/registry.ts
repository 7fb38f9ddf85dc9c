// Every loss's rule, by the name the DSL compiles with; `Record` makes a missing one a type error.

import type { LossName } from "../../dsl/config/losses";
import { binaryCrossentropy } from "./binary-crossentropy";
import { crossentropy } from "./crossentropy";
import { meanAbsoluteError } from "./mean-absolute-error";
import { meanSquaredError } from "./mean-squared-error";
import type { LossRule } from "./rule";

export const LOSS_RULES: Readonly<Record<LossName, LossRule>> = {
  meanSquaredError,
  meanAbsoluteError,
  binaryCrossentropy,
  categoricalCrossentropy: crossentropy(false),
  sparseCategoricalCrossentropy: crossentropy(true),
};
