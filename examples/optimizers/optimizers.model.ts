// The same network and problem under each optimiser of the chapter.
import { adagrad, adam, dense, input, rmsprop, sequential, sgd, type OptimizerArg } from "typegrad/dsl";

const net = (optimizer: OptimizerArg) =>
  sequential(input([8]), dense(32, "relu"), dense(3, "softmax")).compile({
    loss: "categoricalCrossentropy",
    optimizer,
    metrics: ["accuracy"],
    seed: 11,
  });

export const withSgd = net(sgd({ learningRate: 0.05 }));
export const withMomentum = net(sgd({ learningRate: 0.05, momentum: 0.9 }));
export const withAdagrad = net(adagrad({ learningRate: 0.05 }));
export const withRmsprop = net(rmsprop({ learningRate: 0.005 }));
export const withAdam = net(adam({ learningRate: 0.005 }));
