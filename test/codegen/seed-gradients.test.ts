import { expect, it } from "vitest";
import { Backprop } from "../../examples/backprop/backprop.gen";
import type { KernelBuffers, Kernels } from "../../runtime/kernels";

// SEED-NOTES.md: dE/dw5 = 0.20944600 * 0.23802157 * 0.51998934 = 0.02592286; the other seven are
// (w before - w after) / 0.5 from the seed's updated weights.
const expected = {
  w1: (0.3 - 0.29959556) / 0.5,
  w2: (0.25 - 0.24919112) / 0.5,
  w3: (0.4 - 0.39964496) / 0.5,
  w4: (0.35 - 0.34928991) / 0.5,
  w5: 0.02592286,
  w6: (0.4 - 0.38685205) / 0.5,
  w7: (0.7 - 0.69629578) / 0.5,
  w8: (0.6 - 0.59624247) / 0.5,
};

it("the generated backward gives the seed's eight gradients", () => {
  const net = new Backprop() as unknown as { kernels: Kernels; buffersFor(n: number): KernelBuffers; grads: Float32Array[] };
  const bufs = net.buffersFor(1);
  (bufs.inputs[0] as Float32Array).set([0.1, 0.2]);
  bufs.target.set([0.4, 0.6]);
  net.kernels.forwardTrain(bufs, 1);
  net.kernels.backward(bufs, 1);
  const [hidden, output] = net.grads as [Float32Array, Float32Array];
  // Kernels are [in, out]: w1 = k[0][0], w2 = k[1][0], w3 = k[0][1], w4 = k[1][1] (and w5..w8 alike).
  const actual = { w1: hidden[0]!, w2: hidden[2]!, w3: hidden[1]!, w4: hidden[3]!, w5: output[0]!, w6: output[2]!, w7: output[1]!, w8: output[3]! };
  for (const [name, value] of Object.entries(expected)) expect(Math.abs(actual[name as keyof typeof actual] - value), name).toBeLessThan(1e-7);
});
