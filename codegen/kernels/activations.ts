// Activation functions and their derivatives as expressions, inlined into the kernels.

/** act(v) as an expression; `v` must be a plain identifier. */
export function activationExpr(op: string, v: string, alpha = 0.2): string {
  switch (op) {
    case "sigmoid":
      return `1 / (1 + Math.exp(-${v}))`;
    case "tanh":
      return `Math.tanh(${v})`;
    case "relu":
      return `${v} > 0 ? ${v} : 0`;
    case "leakyRelu":
      return `${v} > 0 ? ${v} : ${alpha} * ${v}`;
    case "step":
      return `${v} > 0 ? 1 : 0`;
    case "exp":
      return `Math.exp(${v})`;
    case "log":
      return `Math.log(${v})`;
    default:
      throw new Error(`codegen: no element-wise form for "${op}"`);
  }
}

/**
 * d act / d x as an expression of the activation's output `y` (and input `x` where the output does
 * not determine it: log). leakyRelu's output has the sign of its input for a positive alpha.
 */
export function derivativeExpr(op: string, y: string, x: string, alpha = 0.2): string {
  switch (op) {
    case "sigmoid":
      return `${y} * (1 - ${y})`;
    case "tanh":
      return `(1 - ${y} * ${y})`;
    case "relu":
      return `(${y} > 0 ? 1 : 0)`;
    case "leakyRelu":
      return alpha > 0 ? `(${y} > 0 ? 1 : ${alpha})` : `(${x} > 0 ? 1 : ${alpha})`;
    case "exp":
      return y;
    case "log":
      return `(1 / ${x})`;
    default:
      throw new Error(`codegen: no derivative for "${op}"`);
  }
}

/** Whether derivativeExpr needs the input (else the output alone suffices). */
export function derivativeNeedsInput(op: string, alpha = 0.2): boolean {
  return op === "log" || (op === "leakyRelu" && !(alpha > 0));
}
