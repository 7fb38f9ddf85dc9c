// typegrad/runtime: trains and runs generated models. Never loads the TypeScript compiler.

export { GeneratedModel, RUNTIME_GENERATED_FORMAT, type InputData, type Evaluation, type ModelOptions } from "./generated-model";
export type { Kernels, KernelBuffers, ModelSpec, SparseRows, UniformSource, GraphIR, Shape, DType } from "./kernels";
export type { ExampleData, CsrData } from "./data";
export { NonFiniteLossError, type FitOptions } from "./fit";
export type { History, HistoryParams } from "./history";
export { earlyStopping, modelCheckpoint, type Callback, type EarlyStoppingOptions, type ModelCheckpointOptions, type Logs } from "./callbacks";
export { Random } from "./random";
export { initialize, fans } from "./initializers";
export { createOptimizer, type Optimizer } from "./optimizers";
export { encodeSafetensors, decodeSafetensors, type NamedTensor, type Safetensors, type EncodeOptions } from "./safetensors";
export { crc32 } from "./crc32";
export { progressLine, epochLine, formatValue, type ProgressState } from "./progress";
export { writeFileAtomic, readFileBytes } from "./files";
export { TYPEGRAD_VERSION } from "./version";
export type { UpToDate } from "./up-to-date";
export { gemm, startThreads, stopThreads } from "./gemm/gemm";
export { setThreads, threadCount, availableCores, type ThreadCount } from "./threads/threads";
export { sigmoidInPlace } from "./activations/sigmoid";
export { softmaxRows } from "./activations/softmax";
export { crossentropyGradient } from "./rows/crossentropy-gradient";
export { crossentropyLoss } from "./rows/crossentropy-loss";
export { sumColumns } from "./rows/sum-columns";
export { rationalTanh } from "./activations/rational-tanh";
export { sparseProduct, sparseWeightGradient, type GradientStart } from "./sparse/sparse-product";
export { zeroWrittenRows } from "./sparse/zero-written-rows";
export { gruCellBackward, gruCellForward, gruGates, lstmCellBackward, lstmCellForward, lstmGates, tanhRows, tanhRowsBackward } from "./activations/gates";
export { lstmSequenceBackward, lstmSequenceForward, simpleRnnSequenceBackward, simpleRnnSequenceForward } from "./recurrent/recurrence";
