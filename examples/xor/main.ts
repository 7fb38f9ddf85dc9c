// XOR with a hidden layer: the generated XorNet trains in a few hundred full-batch steps.
import { XorNet } from "./xor.gen";

const x = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const y = [[0], [1], [1], [0]];

const net = new XorNet();
net.summary();
const history = net.fit(x, y, {
  epochs: 500,
  batchSize: 4,
  verbose: 0,
  callbacks: [
    {
      onEpochEnd: (epoch, logs) => {
        if ((epoch + 1) % 100 === 0) console.log(`epoch ${epoch + 1}: loss ${logs.loss!.toFixed(4)}, accuracy ${logs.accuracy!.toFixed(4)}`);
      },
    },
  ],
});
console.log("\n x1 x2 | xor | prediction");
net.predict(x).forEach(([p], i) => console.log(`  ${x[i]!.join("  ")} |  ${y[i]![0]}  | ${p!.toFixed(4)}`));
const [loss, accuracy] = net.evaluate(x, y);
console.log(`\nfinal loss ${loss!.toFixed(4)}, accuracy ${accuracy}, after ${history.epoch.length} epochs`);
