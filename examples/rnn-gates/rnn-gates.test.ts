import { expect, it } from "vitest";
import { main } from "./main";
import { opinionWords, STEPS, VOCABULARY } from "./opinion-words";

// main as it runs: 1200 training sequences, 4 epochs. Over model seeds 1 to 20 the GRU and the LSTM
// reached 0.998 to 1.000 held-out accuracy, 0.995 or more in every distance band. The SimpleRNN got
// past 0.94 on 6 seeds, to 0.603-0.727 on three, and stayed below 0.6 on the other 11, so which
// it does depends on the seed, and it is not held to a number here.
const result = main(() => {}, { examples: 1200, epochs: 4 });

/** Keras' summary row of a layer: "gru (GRU)   (None, 32)   6336". */
const row = (name: string, type: string, shape: string, params: number) => new RegExp(`\\n ${name} \\(${type}\\) +\\(None, ${shape}\\) +${params}\\n`);

// Keras' counts, by hand. Every cell here reads 32 numbers a step (the embedding's) into 32 units.
const embeddingWeights = 20 * 32; // a row of 32 per word of the vocabulary
const denseWeights = 32 * 1 + 1;
const cells = {
  // one kernel [32, 32], one recurrent kernel [32, 32], one bias [32]
  SimpleRNN: { name: "simple_rnn", type: "SimpleRNN", weights: 32 * 32 + 32 * 32 + 32 },
  // the same for each of 4 gates (i, f, c, o)
  LSTM: { name: "lstm", type: "LSTM", weights: 4 * (32 * 32 + 32 * 32 + 32) },
  // 3 gates (z, r, h), and with resetAfter (Keras 3's default) an input bias and a recurrent bias
  GRU: { name: "gru", type: "GRU", weights: 3 * (32 * 32 + 32 * 32) + 2 * 3 * 32 },
} as const;

it("counts each cell's weights as Keras' summary() does: SimpleRNN(32) on 32 features 2,080, LSTM 8,320, GRU 6,336", () => {
  expect([cells.SimpleRNN.weights, cells.LSTM.weights, cells.GRU.weights]).toEqual([2080, 8320, 6336]);
  for (const [model, cell] of Object.entries(cells)) {
    const { summary, params } = result[model as keyof typeof cells];
    expect(summary, model).toMatch(row("embedding", "Embedding", `${STEPS}, 32`, embeddingWeights));
    expect(summary, model).toMatch(row(cell.name, cell.type, "32", cell.weights));
    expect(summary, model).toMatch(row("dense", "Dense", "1", denseWeights));
    const total = embeddingWeights + cell.weights + denseWeights;
    expect(summary, model).toContain(`Total params: ${total.toLocaleString("en-US")}\n`);
    expect(params, model).toBe(total);
  }
});

it("builds the task as designed: one opinion word per sequence, its polarity the label, at every distance from the end", () => {
  const data = opinionWords(600, 202);
  const wrong: string[] = [];
  const distances = new Set<number>();
  for (let e = 0; e < 600; e++) {
    const ids = Array.from(data.x.subarray(e * STEPS, (e + 1) * STEPS));
    const opinions = ids.flatMap((id, t) => (id >= 1 && id <= 8 ? [t] : []));
    const at = opinions[0]!;
    if (opinions.length !== 1 || ids.some((id) => id < 1 || id >= VOCABULARY)) wrong.push(`example ${e}: ids ${ids.join(" ")}`);
    else if (data.y[e] !== (ids[at]! <= 4 ? 1 : 0) || data.distance[e] !== STEPS - 1 - at) wrong.push(`example ${e}: label or distance`);
    distances.add(data.distance[e]!);
  }
  expect(wrong).toEqual([]);
  expect(distances.size).toBe(STEPS);
});

it("the gated cells carry the opinion word through up to 29 filler words: held-out accuracy 0.95 or more at every distance", () => {
  for (const model of ["LSTM", "GRU"] as const) {
    expect(result[model].accuracy, model).toBeGreaterThanOrEqual(0.95);
    for (const [band, accuracy] of result[model].byDistance.entries()) expect(accuracy, `${model}, band ${band}`).toBeGreaterThanOrEqual(0.95);
  }
});

it("reports every model's held-out accuracy by distance, consistent with evaluate's overall accuracy", () => {
  const { distance } = opinionWords(600, 202);
  const perBand = [0, 1, 2].map((band) => distance.filter((d) => Math.floor(d / 10) === band).length);
  for (const [model, r] of Object.entries(result)) {
    expect(r.byDistance, model).toHaveLength(3);
    const weighted = r.byDistance.reduce((sum, a, band) => sum + a * perBand[band]!, 0) / 600;
    expect(Math.abs(weighted - r.accuracy), model).toBeLessThan(1e-6);
    expect(r.seconds, model).toBeGreaterThan(0);
  }
});
