// The code of a gemm worker thread, as the text Node's Worker evaluates (a CommonJS script, so that
// it needs no file beside the bundle that loads it). It instantiates the gemm module on the shared
// memory, says it is ready, then runs the bands of rows the main thread posts to its job block, one
// at a time, until told to stop. Between jobs it spins briefly before it sleeps in Atomics.wait, so
// the products of a training step, microseconds apart, do not each pay for a wake-up.

/** The job block: Int32 slots shared by the main thread and one worker. */
export const JOB = {
  /** Bumped by the main thread to post a job (or the stop). */
  posted: 0,
  /** Set by the worker to the job it finished. */
  finished: 1,
  ready: 2,
  failed: 3,
  stop: 4,
  /** The gemm's nine arguments: m, n, k, a, aPacked, packedB, c, accumulate, scratch. */
  arguments: 5,
} as const;
export const JOB_SLOTS = JOB.arguments + 9;

/** Loads of the job block a worker makes before it sleeps: tens of microseconds. */
export const WORKER_SPINS = 20000;

export const GEMM_WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, job: shared } = workerData;
const job = new Int32Array(shared);
const P = ${JOB.posted}, F = ${JOB.finished}, A = ${JOB.arguments};
let gemm;
try {
  gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
  Atomics.store(job, ${JOB.ready}, 1);
} catch (error) {
  Atomics.store(job, ${JOB.failed}, 1);
  throw error;
}
let seen = 0;
for (;;) {
  for (let spins = 0; Atomics.load(job, P) === seen; spins++) if (spins > ${WORKER_SPINS}) Atomics.wait(job, P, seen);
  seen = Atomics.load(job, P);
  if (Atomics.load(job, ${JOB.stop})) break;
  try {
    gemm(job[A], job[A + 1], job[A + 2], job[A + 3], job[A + 4], job[A + 5], job[A + 6], job[A + 7], job[A + 8]);
  } catch (error) {
    Atomics.store(job, ${JOB.failed}, 1);
  }
  Atomics.store(job, F, seen);
  Atomics.notify(job, F);
}
`;
