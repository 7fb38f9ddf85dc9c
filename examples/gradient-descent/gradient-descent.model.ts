// One small regression network; main.ts trains it with full-batch, mini-batch and
// batch-size-1 (stochastic) gradient descent.
import { dense, input, sequential, sgd } from "typegrad/dsl";

export const regressor = sequential(input([4]), dense(16, "tanh"), dense(1)).compile({
  loss: "meanSquaredError",
  optimizer: sgd({ learningRate: 0.05 }),
  seed: 3,
});
