import brain from "brain.js";
import type { DenseCase, TrainingCase } from "../cases";
import { caseData } from "../cases";

/**
 * brain.js trains one example at a time; a step is one pass over the case's batch (an iteration).
 * train stops once the error is at most errorThresh (which must be positive), and a network trained
 * for millions of iterations can fit the case to the last bit; it then goes on with a fresh network,
 * so every step counted is one brain.js really took.
 */
export function brainRunner(c: TrainingCase): (steps: number) => number {
  if (c.kind !== "dense") throw new Error(`bench: brain.js has no ${c.kind === "nnlm" ? "embedding" : c.cell} here; case "${c.name}" lists no brain.js`);
  return denseRunner(c);
}

function denseRunner(c: DenseCase): (steps: number) => number {
  const { x, y } = caseData(c);
  const network = () =>
    new (brain as unknown as { NeuralNetwork: new (options: object) => { train(data: object[], options: object): { iterations: number } } }).NeuralNetwork({
      hiddenLayers: c.layers.slice(1, -1),
      activation: "sigmoid",
      learningRate: c.learningRate,
    });
  const data = x.map((input, i) => ({ input, output: y[i] }));
  let net = network();
  return (steps) => {
    let done = 0;
    while (done < steps) {
      done += net.train(data, { iterations: steps - done, errorThresh: Number.MIN_VALUE, log: false }).iterations;
      if (done < steps) net = network();
    }
    return done;
  };
}
