import { describe, expect, it } from "vitest";
import { add, dense, input, matmul, model, Module, param, type GraphIR, type Tensor } from "../../dsl/index";
import { ALL, mlpLayers, twoInputsParts } from "./support/models";

// Properties every IR must have, checked on every model of support/models.ts.

const irs: [string, GraphIR][] = [
  ...Object.entries(ALL).map(([name, build]): [string, GraphIR] => [name, build().ir]),
  ["uncompiled mlp", mlpLayers().toIR()],
];

describe.each(irs)("IR invariants: %s", (_name, ir) => {
  it("is plain JSON: a JSON round trip gives the same value", () => {
    expect(JSON.parse(JSON.stringify(ir))).toStrictEqual(ir);
  });

  it("node ids are unique", () => {
    const ids = ir.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("nodes are topologically ordered: every input of a node is an earlier node", () => {
    const seen = new Set<string>();
    for (const node of ir.nodes) {
      for (const id of node.inputs) expect(seen.has(id), `${node.id} reads ${id} before it exists`).toBe(true);
      seen.add(node.id);
    }
  });

  it("outputs, inputs and param nodes refer to things that exist", () => {
    const ids = new Set(ir.nodes.map((n) => n.id));
    for (const id of ir.outputs) expect(ids.has(id)).toBe(true);
    for (const i of ir.inputs) expect(ids.has(i.node)).toBe(true);
    const params = new Set(ir.params.map((p) => p.name));
    for (const n of ir.nodes.filter((n) => n.op === "param")) expect(params.has(n.attrs.param as string)).toBe(true);
    for (const l of ir.layers) for (const p of l.params) expect(params.has(p)).toBe(true);
  });

  it("every param is read by exactly one param node, with its shape", () => {
    for (const p of ir.params) {
      const readers = ir.nodes.filter((n) => n.op === "param" && n.attrs.param === p.name);
      expect(readers).toHaveLength(1);
      expect(readers[0]!.shape).toEqual(p.shape);
    }
  });

  it("every input has an input node whose index is its position", () => {
    ir.inputs.forEach((i, index) => {
      const node = ir.nodes.find((n) => n.id === i.node)!;
      expect(node).toMatchObject({ op: "input", inputs: [], shape: i.shape, dtype: i.dtype, attrs: { index, sparse: i.sparse } });
    });
  });

  it("identifiers are valid identifiers (they become names in generated code)", () => {
    const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;
    for (const n of ir.nodes) expect(n.id).toMatch(ident);
    for (const p of ir.params) expect(p.name).toMatch(ident);
  });
});

describe("IR shapes are per example", () => {
  it("no shape carries a batch dimension", () => {
    const { a, b, x, y, z, model: m } = twoInputsParts();
    expect([a.shape, b.shape, x.shape, y.shape, z.shape]).toEqual([[64], [128], [8], [8], [1]]);
    const ir = m.toIR();
    expect(ir.nodes.find((n) => n.op === "concatenate")!.shape).toEqual([16]);
  });
});

describe("param names are unique", () => {
  it("a Module property named hidden_kernel beside a layer property hidden gives two distinct param names", () => {
    class Clash extends Module<[4], [4]> {
      hidden_kernel = this.param([4, 4]);
      hidden = dense(4);
      call(x: Tensor<[4]>): Tensor<[4]> {
        return matmul(this.hidden(x), this.hidden_kernel);
      }
    }
    // Either a clear "two weights are named hidden_kernel" error or unique names would do; a silent
    // duplicate makes the two weights indistinguishable to codegen and to weight files.
    let names: string[] = [];
    try {
      names = new Clash([4], [4]).compile({ loss: "mse" }).ir.params.map((p) => p.name);
    } catch (error) {
      expect((error as Error).message).toMatch(/two weights are named "hidden_kernel"/);
      return;
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it("a user-named param() cannot share a name with a layer's weight", () => {
    const x = input([3]);
    const y = add(dense(3, { name: "a" })(x), matmul(x, param([3, 3], "zeros", { name: "a_kernel" })));
    const build = () => model({ inputs: x, outputs: y }).toIR();
    let names: string[] = [];
    try {
      names = build().params.map((p) => p.name);
    } catch (error) {
      expect((error as Error).message).toMatch(/a_kernel/);
      return;
    }
    expect(new Set(names).size).toBe(names.length);
  });
});
