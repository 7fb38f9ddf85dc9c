// The seed's linear regression, hours studied -> exam score, in the Functional and Subclassing
// styles. Same seed, same single weight and bias: both train to the same line.
import { dense, input, model, Module, sgd, type Tensor } from "typegrad/dsl";

const hours = input([1]);
export const functionalRegression = model({ inputs: hours, outputs: dense(1)(hours) }).compile({
  loss: "meanSquaredError",
  optimizer: sgd({ learningRate: 0.01 }),
});

class LinearRegression extends Module<[1], [1]> {
  linear = dense(1);
  call(x: Tensor<[1]>): Tensor<[1]> {
    return this.linear(x);
  }
}

export const subclassRegression = new LinearRegression().compile({
  loss: "meanSquaredError",
  optimizer: sgd({ learningRate: 0.01 }),
});
