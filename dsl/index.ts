// typegrad/dsl: write a model with shapes the compiler checks.

export { Tensor, type AnyTensor } from "./tensor";
export type { Shape, DType } from "./types/shape";
export type { Add, Multiply, SumOf, ProductOf } from "./types/arithmetic";
export { input, type InputOptions } from "./input";
export { param, type ParamOptions } from "./param-op";
export type { Layer, LayerKind, Apply } from "./layer";

export { dense, type DenseOptions } from "./layers/dense";
export { activation } from "./layers/activation";
export { dropout } from "./layers/dropout";
export { embedding, type EmbeddingOptions } from "./layers/embedding";
export { simpleRNN } from "./layers/simple-rnn";
export { lstm, type LstmOptions } from "./layers/lstm";
export { gru, type GruOptions } from "./layers/gru";
export { bidirectional, type BidirectionalOptions, type MergeMode } from "./layers/bidirectional";
export type { RecurrentOptions } from "./layers/recurrent";
export { batchNormalization, type BatchNormalizationOptions } from "./layers/batch-normalization";
export { layerNormalization, type LayerNormalizationOptions } from "./layers/layer-normalization";

export { matmul } from "./ops/matmul";
export { add, subtract, multiply } from "./ops/elementwise";
export { concatenate } from "./ops/concatenate";
export { sum, mean } from "./ops/reduce";
export { exp, log, sigmoid, tanh, relu, leakyRelu, softmax, step } from "./ops/unary";
export { reshape, flatten } from "./ops/reshape";

export { sequential, type TooManyLayers } from "./models/sequential";
export { Sequential, UnbuiltSequential } from "./models/sequential-model";
export { model } from "./models/functional";
export { Module, type ModuleOptions } from "./models/module";
export { Model } from "./models/model";
export { CompiledModel, isCompiledModel } from "./models/compiled-model";
export type { CompileConfig } from "./models/compile-config";

export { sgd, adagrad, rmsprop, adam } from "./config/optimizers";
export type { OptimizerConfig, OptimizerArg, SgdConfig, AdagradConfig, RmspropConfig, AdamConfig } from "./config/optimizers";
export { l1, l2, l1l2, type RegularizerConfig } from "./config/regularizers";
export {
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  orthogonal,
  zeros,
  ones,
  randomUniform,
  randomNormal,
  constant,
} from "./config/initializers";
export type { InitializerConfig, InitializerArg, InitializerName } from "./config/initializers";
export { LOSSES, type LossName, type LossArg } from "./config/losses";
export type { MetricArg, MetricConfig, MetricKind } from "./config/metrics";
export { ACTIVATIONS, type ActivationName } from "./config/activations";

export type { GraphIR, IRNode, IRParam, IRInput, IRLayer, IRTraining, OpName, ActivationOp } from "./ir";
export { IR_FORMAT } from "./ir";
export { hashIR, canonicalJson } from "./hash";
export { summaryText } from "./summary";
