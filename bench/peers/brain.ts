import brain from "brain.js";
import type { Case } from "../cases";
import { caseData } from "../cases";

/**
 * brain.js trains one example at a time; a step is one pass over the case's batch (an iteration).
 * It stops early once the error is below errorThresh, so the iterations it reports are counted.
 */
export function brainRunner(c: Case): (steps: number) => number {
  const { x, y } = caseData(c);
  const net = new (brain as unknown as { NeuralNetwork: new (options: object) => { train(data: object[], options: object): { iterations: number } } }).NeuralNetwork({
    hiddenLayers: c.layers.slice(1, -1),
    activation: "sigmoid",
    learningRate: c.learningRate,
  });
  const data = x.map((input, i) => ({ input, output: y[i] }));
  return (steps) => net.train(data, { iterations: steps, errorThresh: 1e-30, log: false }).iterations;
}
