// Run by test/runtime/gemm-threads.test.ts as a child Node: starts gemm's worker threads, runs a
// product on them, and then simply ends; the process must exit by itself (the workers are unref'd).

import { gemm, gemmThreads, startThreads } from "../../runtime/gemm/gemm";

await startThreads(2);
const [m, n, k] = [128, 256, 128];
const c = new Float32Array(m * n);
gemm(m, n, k, new Float32Array(m * k).fill(1), false, new Float32Array(k * n).fill(0.5), false, c, false);
console.log(JSON.stringify({ started: gemmThreads()?.started, first: c[0], last: c[m * n - 1] }));
