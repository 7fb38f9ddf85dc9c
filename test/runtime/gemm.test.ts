import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { gemm } from "../../runtime/gemm/gemm";
import { jsGemm, type Gemm } from "../../runtime/gemm/js-gemm";
import { SimdGemm } from "../../runtime/gemm/simd-gemm";
import { FIXED_ROW_STRIDES, PLAIN_BUILD, simdKernelModule, type KernelBuild } from "../../runtime/gemm/simd-kernel";
import { Tile } from "../../runtime/gemm/tile";
import { turnOnRelaxedSimd } from "../../runtime/wasm/relaxed-simd";
import { hostWasm } from "../../runtime/wasm/wasm-api";
import { signedLeb128, unsignedLeb128 } from "../../runtime/wasm/wasm-assembler";
import { Random } from "../../runtime/random";
import {
  BLOCKING_SIZES,
  checkProblem,
  describeProblem,
  expectNear,
  MLP_SHAPES,
  ODD_SIZES,
  randomOperands,
  run,
  TRANSPOSES,
  type Problem,
} from "../support/gemm-reference";

/** `values` inside a larger array, starting at an offset that is not a multiple of 4 floats, with sentinels around. */
function embedded(values: Float32Array, before: number, after: number): { view: Float32Array; whole: Float32Array } {
  const whole = new Float32Array(before + values.length + after).fill(-7.25);
  whole.set(values, before);
  return { view: whole.subarray(before, before + values.length), whole };
}

const RELAXED_BUILD: KernelBuild = { ...PLAIN_BUILD, fusedMultiplyAdd: true };
const relaxedHere = turnOnRelaxedSimd(hostWasm()!);

function buildGemm(build: KernelBuild): Gemm {
  const simd = SimdGemm.create(hostWasm(), build);
  if (!simd) throw new Error(`no WebAssembly SIMD for the build ${String(build.tile)}`);
  return simd.gemm;
}

const implementations: readonly (readonly [string, Gemm])[] = [
  ["gemm (WebAssembly SIMD, the host's build)", gemm],
  ["the plain SIMD build (multiply, then add; the fallback where relaxed SIMD is missing)", buildGemm(PLAIN_BUILD)],
  // where this Node has relaxed SIMD (Node 20 behind V8's flag, which turnOnRelaxedSimd sets)
  ...(relaxedHere ? [["the relaxed-SIMD build (relaxed_madd)", buildGemm(RELAXED_BUILD)] as const] : []),
  // other register tiles than the default, so that the tile stays a parameter that works
  ["a 3×12 tile build", buildGemm({ tile: new Tile(3, 12), fusedMultiplyAdd: false })],
  ["jsGemm (the fallback)", jsGemm],
];

it("runs on WebAssembly SIMD in this Node", () => {
  expect(SimdGemm.create()).not.toBeNull();
});

describe.each(implementations)("%s", (_, implementation) => {
  it.each(TRANSPOSES)("is right for every combination of odd sizes, transA %s, transB %s, with and without accumulate", (transA, transB) => {
    const random = new Random(1);
    for (const m of ODD_SIZES) {
      for (const n of ODD_SIZES) {
        for (const k of ODD_SIZES) {
          for (const accumulate of [false, true]) checkProblem(implementation, random, { m, n, k, transA, transB, accumulate });
        }
      }
    }
  });

  it.each(TRANSPOSES)("is right past the blocking (k > 4096 in slices, m > 64 in blocks, several panels), transA %s, transB %s", (transA, transB) => {
    const random = new Random(2);
    for (const [m, n, k] of BLOCKING_SIZES) {
      for (const accumulate of [false, true]) checkProblem(implementation, random, { m, n, k, transA, transB, accumulate });
    }
  });

  it.each(MLP_SHAPES)("is right on the MLP shape %o", (shape) => {
    const random = new Random(3);
    checkProblem(implementation, random, { ...shape, accumulate: false });
    checkProblem(implementation, random, { ...shape, accumulate: true });
  });

  it("reads and writes subarray views at any offset, and leaves C outside its m×n region untouched", () => {
    const random = new Random(4);
    for (const [transA, transB] of TRANSPOSES) {
      for (const accumulate of [false, true]) {
        const p: Problem = { m: 13, n: 11, k: 19, transA, transB, accumulate };
        const operands = randomOperands(random, p);
        const a = embedded(operands.a, 3, 5);
        const b = embedded(operands.b, 1, 0);
        const c = embedded(operands.c, 7, 9);
        // views longer than the operands: gemm must use only their first m·k, k·n and m·n floats
        const longA = a.whole.subarray(3);
        const longC = c.whole.subarray(7);
        implementation(p.m, p.n, p.k, longA, transA, b.view, transB, longC, accumulate);
        expectNear(c.view, p, operands);
        expect([...c.whole.subarray(0, 7), ...c.whole.subarray(7 + p.m * p.n)]).toEqual(new Array(7 + 9).fill(-7.25));
        expect(a.view).toEqual(operands.a);
        expect(b.view).toEqual(operands.b);
      }
    }
  });

  it("reads each operand from its offset and writes C from its offset (a time step's slice of a tape), the same slices again and again", () => {
    const random = new Random(7);
    for (const [transA, transB] of TRANSPOSES) {
      for (const accumulate of [false, true]) {
        const p: Problem = { m: 9, n: 21, k: 17, transA, transB, accumulate };
        for (const round of [0, 1, 2]) {
          const operands = randomOperands(random, p);
          const a = embedded(operands.a, 5 + round, 3);
          const b = embedded(operands.b, 2 * round, 4);
          const c = embedded(operands.c, 11, 6);
          implementation(p.m, p.n, p.k, a.whole, transA, b.whole, transB, c.whole, accumulate, 5 + round, 2 * round, 11);
          expectNear(c.view, p, operands);
          expect([...c.whole.subarray(0, 11), ...c.whole.subarray(11 + p.m * p.n)]).toEqual(new Array(11 + 6).fill(-7.25));
        }
      }
    }
  });

  it("is right after a bigger problem and then a smaller one (the scratch memory is reused)", () => {
    const random = new Random(5);
    for (const [m, n, k] of [
      [200, 300, 400],
      [3, 5, 7],
      [33, 17, 300],
      [1, 1, 1],
      [130, 9, 600],
    ] as const) {
      checkProblem(implementation, random, { m, n, k, transA: false, transB: true, accumulate: true });
      checkProblem(implementation, random, { m, n, k, transA: true, transB: false, accumulate: false });
    }
  });

  it("is deterministic: the same inputs give bit-identical outputs, whatever ran before", () => {
    const random = new Random(6);
    const small: Problem = { m: 9, n: 13, k: 300, transA: true, transB: true, accumulate: true };
    const operands = randomOperands(random, small);
    const first = run(implementation, small, operands);
    const big: Problem = { m: 150, n: 70, k: 40, transA: false, transB: false, accumulate: false };
    run(implementation, big, randomOperands(random, big));
    expect(new Uint32Array(run(implementation, small, operands).buffer)).toEqual(new Uint32Array(first.buffer));
  });
});

describe("the relaxed-SIMD build", () => {
  it("is on in this Node: typegrad sets V8's flag where relaxed SIMD is behind it, and gemm picks the relaxed build", () => {
    expect(relaxedHere).toBe(true);
    expect(SimdGemm.create()!.build.fusedMultiplyAdd).toBe(true);
  });

  it("sets --experimental-wasm-relaxed-simd only where the engine lacks relaxed SIMD and TYPEGRAD_RELAXED_SIMD is not 0", () => {
    const flags: string[] = [];
    let flagSet = false;
    const engine = { ...hostWasm()!, validate: () => flagSet };
    const node = (env: Record<string, string>) => ({
      process: { env, getBuiltinModule: (name: string) => (name === "node:v8" ? { setFlagsFromString: (f: string) => (flags.push(f), (flagSet = true)) } : undefined) },
    });
    expect(turnOnRelaxedSimd(engine, node({ TYPEGRAD_RELAXED_SIMD: "0" }))).toBe(false);
    expect(flags).toEqual([]);
    expect(turnOnRelaxedSimd(engine, node({}))).toBe(true);
    expect(flags).toEqual(["--experimental-wasm-relaxed-simd"]);
    expect(turnOnRelaxedSimd(engine, node({}))).toBe(true);
    expect(flags).toHaveLength(1);
    expect(turnOnRelaxedSimd({ ...hostWasm()!, validate: () => false }, {})).toBe(false);
  });

  it(
    "is refused in a child Node run with TYPEGRAD_RELAXED_SIMD=0, where gemm picks the plain build and passes every reference problem",
    () => {
      const script = fileURLToPath(new URL("../support/relaxed-gemm-child.ts", import.meta.url));
      const child = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", env: { ...process.env, TYPEGRAD_RELAXED_SIMD: "0" } });
      expect(child.stderr).toBe("");
      expect(child.status).toBe(0);
      const report = JSON.parse(child.stdout) as { fusedMultiplyAdd: boolean | null; checked: number; failures: string[]; deterministic: boolean; relaxedRefused: boolean };
      expect(report.fusedMultiplyAdd).toBe(false);
      expect(report.relaxedRefused).toBe(true);
      expect(report.checked).toBeGreaterThan(2000);
      expect(report.failures).toEqual([]);
      expect(report.deterministic).toBe(true);
    },
    60_000,
  );
});

describe("gemm", () => {
  it("rejects sizes below 1 and arrays too short for their operand", () => {
    const [a, b, c] = [new Float32Array(6), new Float32Array(12), new Float32Array(8)];
    expect(() => gemm(0, 4, 3, a, false, b, false, c, false)).toThrow("gemm: m must be a positive integer, got 0");
    expect(() => gemm(2, 4, 3, a.subarray(1), false, b, false, c, false)).toThrow("gemm: A holds 5 floats, needs 6");
    expect(() => gemm(2, 4, 3, a, false, b, false, c.subarray(0, 7), false)).toThrow("gemm: C holds 7 floats, needs 8");
    expect(() => gemm(2, 4, 3, a, false, b, false, c, false, 1)).toThrow("gemm: A holds 6 floats, needs 7");
  });
});

describe("the micro-kernels for A in place at a fixed row stride (FIXED_ROW_STRIDES, in the module on shared memory)", () => {
  it.each(FIXED_ROW_STRIDES.map((bytes) => bytes / 4))("k = %i: within the float64 bound, and the bits of the module without them", (k) => {
    const shared = SimdGemm.create(hostWasm(), PLAIN_BUILD, true);
    const alone = SimdGemm.create(hostWasm(), PLAIN_BUILD, false);
    expect(shared?.threads, "the shared module (this Node has worker threads)").toBeTruthy();
    expect(alone?.threads ?? null).toBeNull();
    const random = new Random(k);
    // n below 64: A is read in place (not packed), its rows k floats apart; 13 rows leave an edge tile
    for (const n of [8, 20]) {
      for (const accumulate of [false, true]) {
        const p = { m: 13, n, k, transA: false, transB: false, accumulate };
        const operands = randomOperands(random, p);
        const withFixed = run(shared!.gemm, p, operands);
        expectNear(withFixed, p, operands);
        expect(withFixed, describeProblem(p)).toEqual(run(alone!.gemm, p, operands));
      }
    }
  });
});

describe("SimdGemm.create", () => {
  it("gives null (so gemm falls back to JavaScript) without WebAssembly; instantiateKernel's tests cover the other refusals", () => {
    expect(SimdGemm.create(null)).toBeNull();
    expect(SimdGemm.create()).not.toBeNull();
  });
});

describe("the wasm assembler", () => {
  it("encodes LEB128 as the WebAssembly spec's examples", () => {
    expect(unsignedLeb128(0)).toEqual([0x00]);
    expect(unsignedLeb128(127)).toEqual([0x7f]);
    expect(unsignedLeb128(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(-64)).toEqual([0x40]);
    expect(signedLeb128(-65)).toEqual([0xbf, 0x7f]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it("builds a module the host validates, small enough for a browser to compile synchronously on its main thread (4 KB)", () => {
    const bytes = simdKernelModule();
    expect(hostWasm()!.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(4096);
    expect(simdKernelModule(RELAXED_BUILD).length).toBeLessThan(4096);
  });

  it("encodes f32x4.relaxed_madd as the relaxed-SIMD spec does (0xfd, then 0x105 as LEB128: 0x85 0x02), one per accumulator and step of k of the relaxed build's micro-kernels only", () => {
    const count = (bytes: Uint8Array): number => bytes.filter((byte, i) => byte === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02).length;
    const accumulators = 4 * 2;
    expect(count(simdKernelModule(RELAXED_BUILD))).toBeGreaterThan(0);
    expect(count(simdKernelModule(RELAXED_BUILD)) % accumulators).toBe(0);
    expect(count(simdKernelModule())).toBe(0);
  });
});
