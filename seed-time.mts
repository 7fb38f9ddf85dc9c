import { SeedBench } from "./bench/models/bench.gen";
const x = [[0.05, 0.1]], y = [[0.01, 0.99]];
const net = new SeedBench();
const run = (epochs: number) => { for (let d = 0; d < epochs; d += 1000) net.fit(x, y, { epochs: 1000, batchSize: 1, shuffle: false, verbose: 0 }); };
run(200000);
const rates: number[] = [];
for (let r = 0; r < 5; r++) { const t = performance.now(); run(300000); rates.push(300000 / ((performance.now() - t) / 1000)); }
rates.sort((a, b) => a - b);
console.log(process.cwd(), Math.round(rates[2]!));
