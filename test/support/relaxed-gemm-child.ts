// Run by test/runtime/gemm.test.ts in a child Node with TYPEGRAD_RELAXED_SIMD=0 (so this Node 20, whose
// V8 has relaxed SIMD behind a flag typegrad otherwise sets, stays without it): checks the gemm this
// host picks, which should then be the plain build, on every reference problem, whether the relaxed
// build is refused, and prints one line of JSON for the test to assert.

import { gemm } from "../../runtime/gemm/gemm";
import { SimdGemm } from "../../runtime/gemm/simd-gemm";
import { PLAIN_BUILD } from "../../runtime/gemm/simd-kernel";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { Random } from "../../runtime/random";
import { allReferenceProblems, checkProblem, randomOperands, run } from "./gemm-reference";

const failures: string[] = [];
const problems = allReferenceProblems();
const random = new Random(11);
for (const problem of problems) {
  try {
    checkProblem(gemm, random, problem);
  } catch (error) {
    failures.push(String(error));
  }
}
// deterministic: the same inputs give the same bits after other problems ran
const repeated = { m: 37, n: 29, k: 300, transA: true, transB: false, accumulate: true };
const operands = randomOperands(random, repeated);
const first = new Uint32Array(run(gemm, repeated, operands).buffer);
const between = { m: 150, n: 70, k: 40, transA: false, transB: true, accumulate: false };
run(gemm, between, randomOperands(random, between));
const again = new Uint32Array(run(gemm, repeated, operands).buffer);
const deterministic = first.every((bits, e) => bits === again[e]);

const build = SimdGemm.create()?.build;
const relaxedRefused = SimdGemm.create(hostWasm(), { ...PLAIN_BUILD, fusedMultiplyAdd: true }) === null;
console.log(JSON.stringify({ fusedMultiplyAdd: build?.fusedMultiplyAdd ?? null, tile: build ? String(build.tile) : null, checked: problems.length, failures, deterministic, relaxedRefused }));
