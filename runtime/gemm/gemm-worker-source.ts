// The code of a gemm worker thread, as the text Node's Worker evaluates (a CommonJS script, so that
// it needs no file beside the bundle that loads it). It instantiates the gemm module on the shared
// memory, counts itself ready, then works on the chunks of each job (a product's rows, or a band
// function's band of rows: band-kernels.ts) posted to the job block
// (workOnChunks, the calling thread's own function, from its source) until told to stop. Between jobs
// it spins briefly before it sleeps in Atomics.wait, so that the products of a training step,
// microseconds apart, do not each pay for a wake-up.

import { JOB, workOnChunks } from "./gemm-job";
import { BANDS } from "./band-kernels";

/** Loads of the claim word a worker makes before it sleeps: tens of microseconds. */
export const WORKER_SPINS = 20000;

export const GEMM_WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, job: shared, index, scratch } = workerData;
const job = new Int32Array(shared);
${workOnChunks.toString()}
let kernel;
try {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  kernel = { gemm: exports.gemm, bands: ${JSON.stringify(BANDS)}.map((name) => exports[name]) };
} catch (error) {
  Atomics.store(job, ${JOB.failed}, 1);
  throw error;
}
Atomics.add(job, ${JOB.ready}, 1);
for (;;) {
  let word = Atomics.load(job, ${JOB.claim});
  // idle while every chunk of the job but those reserved for the caller is claimed, or this worker is not among the job's helpers
  for (let spins = 0; (((word >>> 6) & 63) + Atomics.load(job, ${JOB.reservedForCaller}) >= (word & 63) || index >= Atomics.load(job, ${JOB.helpers})) && !Atomics.load(job, ${JOB.stop}); spins++) {
    if (spins > ${WORKER_SPINS}) Atomics.wait(job, ${JOB.claim}, word);
    const now = Atomics.load(job, ${JOB.claim});
    if (now !== word) { word = now; spins = 0; }
  }
  if (Atomics.load(job, ${JOB.stop})) break;
  try {
    workOnChunks(job, kernel, scratch, ${JOB.chunksByWorkers}, Atomics.load(job, ${JOB.reservedForCaller}));
  } catch (error) {
    Atomics.store(job, ${JOB.failed}, 1);
    Atomics.add(job, ${JOB.finished}, ${64});
    Atomics.notify(job, ${JOB.finished});
    throw error;
  }
}
`;
