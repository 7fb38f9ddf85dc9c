import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  adam,
  canonicalJson,
  dense,
  dropout,
  hashIR,
  input,
  l2,
  sequential,
  sgd,
  type ActivationName,
  type InitializerName,
  type LossName,
  type OptimizerArg,
  type RegularizerConfig,
} from "../../dsl/index";
import { ALL, backprop } from "./support/models";

// The IR hash: what a generated module records to notice that its model changed (DESIGN.md section 2).

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("the same model gives the same hash", () => {
  it("across processes", () => {
    const tsx = join(root, "node_modules", ".bin", "tsx");
    const result = spawnSync(tsx, [join(root, "test", "dsl", "support", "print-hashes.ts")], { cwd: root, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const theirs = JSON.parse(result.stdout) as Record<string, string>;
    const ours = Object.fromEntries(Object.entries(ALL).map(([name, build]) => [name, build().hash]));
    expect(Object.keys(theirs)).toEqual(Object.keys(ALL));
    expect(theirs).toEqual(ours);
    for (const hash of Object.values(ours)) expect(hash).toMatch(/^[0-9a-f]{16}$/);
    // Five different models, five different hashes.
    expect(new Set(Object.values(ours)).size).toBe(Object.keys(ours).length);
  }, 30_000);

  it("when built twice in one process", () => {
    for (const build of Object.values(ALL)) expect(build().hash).toBe(build().hash);
  });

  it("whatever the key order of the IR's objects (canonical JSON)", () => {
    const ir = backprop().ir;
    const reversed = JSON.parse(JSON.stringify(ir), (_key, value) =>
      value && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value,
    );
    expect(Object.keys(reversed)).toEqual(Object.keys(ir).reverse());
    expect(hashIR(reversed)).toBe(hashIR(ir));
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
  });
});

/** 64-bit FNV-1a over UTF-8 bytes, written from the FNV specification (as hash.ts documents its hash). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, "utf8")) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0");
}

describe("the hash is 64-bit FNV-1a of the canonical JSON", () => {
  it("the reference implementation meets the specification's test vectors", () => {
    expect(fnv1a64("")).toBe("cbf29ce484222325");
    expect(fnv1a64("a")).toBe("af63dc4c8601ec8c");
    expect(fnv1a64("foobar")).toBe("85944171f73967e8");
  });

  it("hashIR agrees with it", () => {
    for (const build of Object.values(ALL)) {
      const ir = build().ir;
      expect(hashIR(ir)).toBe(fnv1a64(canonicalJson(ir)));
    }
  });
});

interface Variant {
  units: number;
  kernelInitializer: InitializerName;
  activation: ActivationName;
  loss: LossName;
  optimizer: OptimizerArg;
  seed: number;
  rate: number;
  regularizer: RegularizerConfig | undefined;
}

const base: Variant = {
  units: 8,
  kernelInitializer: "glorotUniform",
  activation: "relu",
  loss: "categoricalCrossentropy",
  optimizer: "adam",
  seed: 1,
  rate: 0.5,
  regularizer: undefined,
};

const hashOf = (v: Variant) =>
  sequential(
    input([4]),
    dense(v.units, { activation: v.activation, kernelInitializer: v.kernelInitializer, kernelRegularizer: v.regularizer }),
    dropout(v.rate),
    dense(3, "softmax"),
  ).compile({ loss: v.loss, optimizer: v.optimizer, seed: v.seed }).hash;

describe("every change to the model changes the hash", () => {
  const reference = hashOf(base);

  it.each<[string, Partial<Variant>]>([
    ["a shape (units 8 -> 9)", { units: 9 }],
    ["an initialiser (glorotUniform -> heNormal)", { kernelInitializer: "heNormal" }],
    ["an activation (relu -> tanh)", { activation: "tanh" }],
    ["the loss (categorical -> mean squared error)", { loss: "meanSquaredError" }],
    ["the optimiser (adam -> sgd)", { optimizer: "sgd" }],
    ["the learning rate (adam 1e-3 -> 2e-3)", { optimizer: adam({ learningRate: 0.002 }) }],
    ["an optimiser option (sgd momentum)", { optimizer: sgd({ momentum: 0.9 }) }],
    ["the seed (1 -> 2)", { seed: 2 }],
    ["a dropout rate (0.5 -> 0.4)", { rate: 0.4 }],
    ["adding a regularizer", { regularizer: l2(0.01) }],
  ])("%s", (_what, change) => {
    expect(hashOf({ ...base, ...change })).not.toBe(reference);
  });

  it("a regularizer's factor", () => {
    expect(hashOf({ ...base, regularizer: l2(0.01) })).not.toBe(hashOf({ ...base, regularizer: l2(0.02) }));
  });

  it("an explicit kernel value", () => {
    const withKernel = (w: number) =>
      sequential(input([1]), dense(1, { kernel: [[w]] })).compile({ loss: "mse" }).hash;
    expect(withKernel(0.5)).not.toBe(withKernel(0.25));
  });

  it("but the same options spelled the same way give the same hash", () => {
    expect(hashOf({ ...base })).toBe(reference);
    expect(hashOf({ ...base, optimizer: adam() })).toBe(reference); // "adam" and adam() are the same config
  });
});
