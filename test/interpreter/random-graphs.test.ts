import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gradientCheck, nearKink } from "../support/gradient-check";
import { makeCase } from "../support/gradient-cases";
import { LAYER_OPS, layerOpsIn, randomGraph, TOKEN_VOCABULARY } from "../support/random-graphs";

// Property: the interpreter's gradients of random graphs (every loss, 1-3 inputs, embeddings and
// both normalisations, shared layers, at inference) match finite differences (five-point stencil, h = 1e-3; see
// test/support/gradient-check.ts). Graphs whose relu, leakyRelu or absolute-error inputs sit within
// 1e-2 of a kink are skipped (fc.pre): there the difference quotient straddles the kink.

const RUNS = 200;

describe("interpreter: random graphs", () => {
  it(`gradients of ${RUNS} random graphs match finite differences`, () => {
    let worst = { error: 0, where: "" };
    let [checked, elements, excused] = [0, 0, 0];
    const drawn = new Map<string, number>();
    fc.assert(
      fc.property(randomGraph, ({ model, batch, dataSeed }) => {
        const c = makeCase(model, { batch, seed: dataSeed, training: false, vocabulary: TOKEN_VOCABULARY });
        fc.pre(nearKink(c) === null);
        const result = gradientCheck(c);
        checked++;
        for (const op of layerOpsIn(model.ir)) drawn.set(op, (drawn.get(op) ?? 0) + 1);
        elements += result.elements;
        excused += result.excused;
        if (result.worst > worst.error) worst = { error: result.worst, where: `${model.ir.name}: ${result.where}` };
        expect(result.worst, result.where).toBeLessThan(1e-6);
      }),
      { numRuns: RUNS, seed: 20240601 },
    );
    console.log(
      `random graphs: ${checked} checked, ${elements} weight elements, ${excused} excused as rounding noise; ` +
        `worst relative error ${worst.error.toExponential(2)} (${worst.where}); ` +
        `graphs with ${LAYER_OPS.map((op) => `${op}: ${drawn.get(op) ?? 0}`).join(", ")}`,
    );
    expect(checked).toBeGreaterThanOrEqual(RUNS);
    for (const op of LAYER_OPS) expect(drawn.get(op) ?? 0, `graphs with ${op}`).toBeGreaterThanOrEqual(RUNS / 10);
  });
});
