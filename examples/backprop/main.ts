// The seed's worked example: forward values, the loss, one SGD step (learning rate 0.5), and the
// updated weights and loss, computed by the generated kernels.
import { Backprop } from "./backprop.gen";

const net = new Backprop();
const x = [[0.1, 0.2]];
const y = [[0.4, 0.6]];
const fmt = (v: number) => v.toFixed(8);

const [o1, o2] = net.predict(x)[0]!;
console.log(`forward: o1=${fmt(o1!)} o2=${fmt(o2!)}`);
console.log(`E_total before: ${fmt(net.evaluate(x, y))}`);
net.trainOnBatch(x, y);
const [hidden, output] = net.getWeights();
// Kernels are laid out [in, out]: w1 = k[0][0], w2 = k[1][0], w3 = k[0][1], w4 = k[1][1].
const names = (k: Float32Array, first: number) => ({
  [`w${first}`]: k[0]!,
  [`w${first + 1}`]: k[2]!,
  [`w${first + 2}`]: k[1]!,
  [`w${first + 3}`]: k[3]!,
});
for (const [name, value] of Object.entries({ ...names(hidden!, 1), ...names(output!, 5) })) console.log(`${name} = ${fmt(value)}`);
console.log(`E_total after: ${fmt(net.evaluate(x, y))}`);
