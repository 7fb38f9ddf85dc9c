// What every part of lowering shares: the step and buffer shapes, and safe names.

export type Mode = "train" | "infer";

export interface Step {
  /** The function's name in the generated module. */
  readonly name: string;
  /** What it computes, in terms of the model. */
  readonly comment: string;
  readonly body: readonly string[];
}

export interface BufferSpec {
  readonly name: string;
  readonly role:
    "input" | "param" | "grad" | "value" | "dvalue" | "mask" | "tape" | "target";
  /** Elements per example (allocated for the largest batch), or null for weights and per-channel scratch. */
  readonly perExample: number | null;
  /** Elements of a weight or of per-channel scratch (added to the per-example ones). */
  readonly fixed: number | null;
  readonly dtype: "float32" | "int32";
}

export class UnsupportedError extends Error {}

export { product } from "../../dsl/shapes";

/** Names the kernels use for their own variables, and words that cannot name a variable. */
const RESERVED =
  /^(?:[a-z]|[wx][ijp]|s\d\d|k\d+_\d+|[ab]\d+|ar\d+|bc\d+|keep|max|total\d*|dot|rowSum|scale|row|rng|batch|bufs|gemm|sigmoidInPlace|softmaxRows|crossentropyGradient|crossentropyLoss|sumColumns|rationalTanh|lstmGates|lstmCellForward|lstmCellBackward|tanhRows|tanhRowsBackward|gruGates|gruCellForward|gruCellBackward|lstmSequenceForward|lstmSequenceBackward|simpleRnnSequenceForward|simpleRnnSequenceBackward|sparseProduct|sparseWeightGradient|zeroWrittenRows|gatherStepMajor|scatterAddStepMajor|target|maxBatch|params|grads|inputs|output|Math|break|case|catch|class|const|continue|debugger|default|delete|do|else|enum|export|extends|false|finally|for|function|if|import|in|instanceof|new|null|return|super|switch|this|throw|true|try|typeof|var|void|while|with|yield|let|static|implements|interface|package|private|protected|public|await|arguments|eval|undefined|NaN|Infinity)$/;

/** A buffer name that clashes with none of the kernels' own variables. */
export function safeName(name: string): string {
  return RESERVED.test(name) ? `${name}_` : name;
}
