// The float64 reference interpreter of the Graph IR: the oracle for gradient checks and for the
// differential tests of the generated kernels.

export { forward, lossValue, gradients, type RunOptions, type GradientResult } from "./driver";
export { computeLoss, targetCount, EPSILON, type LossResult } from "./losses";
export { regularizationPenalty } from "./regularization";
