// The seed's embedding table looked up for two encoded sentences, one SGD step that scatter-adds into
// the rows the sentences use, and a learned embedding telling the sentences apart, saved and loaded.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runIfMain } from "../shared/run-main";
import { Lookup, Sentences } from "./embedding.gen";

/** "Hope to see you soon", "Nice to see you again", encoded as the seed encodes them. */
export const ENCODED = [
  [0, 1, 2, 3, 4],
  [5, 1, 2, 3, 6],
];

const fmt = (row: ArrayLike<number>) => `[${Array.from(row, (v) => v.toFixed(4)).join(", ")}]`;

export function main(log: (line: string) => void = console.log) {
  const table = new Lookup();
  const vectors = table.predict(ENCODED);
  vectors.forEach((v, s) => log(`sentence ${s}: ${Array.from({ length: 5 }, (_, t) => fmt(v.slice(2 * t, 2 * t + 2))).join(" ")}`));

  // One step toward all-zero vectors: each row moves by the gradient of every position that used it.
  table.trainOnBatch(ENCODED, [new Array(10).fill(0), new Array(10).fill(0)]);
  const stepped = table.getWeights()[0]!;
  for (let id = 0; id < 7; id++) log(`row ${id} after one step: ${fmt(stepped.subarray(2 * id, 2 * id + 2))}`);

  const net = new Sentences();
  const history = net.fit(ENCODED, [[1], [0]], { epochs: 150, batchSize: 2, verbose: 0 });
  log(`sentences: loss ${history.loss.at(-1)!.toFixed(4)}, accuracy ${history.accuracy!.at(-1)!.toFixed(2)}`);
  const dir = mkdtempSync(join(tmpdir(), "typegrad-embedding-"));
  const file = join(dir, "sentences.safetensors");
  net.save(file);
  const loaded = Sentences.load(file);
  rmSync(dir, { recursive: true });
  const predictions = net.predict(ENCODED).map((p) => p[0]!);
  const reloaded = loaded.predict(ENCODED).map((p) => p[0]!);
  log(`predictions ${predictions.map((p) => p.toFixed(4)).join(", ")}; after save and load ${reloaded.map((p) => p.toFixed(4)).join(", ")}`);

  let refusal = "";
  try {
    net.predict([[0, 1, 2, 3, 7]]);
  } catch (error) {
    refusal = (error as Error).message;
  }
  log(`an id outside the vocabulary: ${refusal}`);
  return { vectors, stepped, accuracy: history.accuracy!.at(-1)!, predictions, reloaded, refusal };
}

runIfMain(import.meta.url, main);
