import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TextsCase } from "../cases";
import { benchTexts } from "../texts";

/**
 * keras_preprocessing (the Tokenizer behind tf.keras.preprocessing.text) runs in Python:
 * bench/peers/keras_preprocessing_bench.py, one process per measurement, given the case as JSON on
 * stdin and the texts in a temporary file, removed after; prints bench/worker.ts' JSON line.
 */
export const KERAS_PREPROCESSING = "keras_preprocessing";

export const isKerasPreprocessing = (implementation: string): boolean => implementation === KERAS_PREPROCESSING;

export const KERAS_PREPROCESSING_INSTALL = "apt-get install -y python3-keras-preprocessing";

const script = fileURLToPath(new URL("keras_preprocessing_bench.py", import.meta.url));

export interface KerasPreprocessingInfo {
  /** The interpreter that imports keras_preprocessing. */
  readonly python: string;
  /** keras_preprocessing.__version__ */
  readonly version: string;
}

/** The first of `python3` on PATH and Debian's /usr/bin/python3 that imports keras_preprocessing; null when neither does. */
export function findKerasPreprocessing(): KerasPreprocessingInfo | null {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const out = execFileSync(python, [script, "--info"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 });
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) return { python, version: (JSON.parse(line) as { kerasPreprocessing: string }).kerasPreprocessing };
    } catch {
      // no such interpreter, or no keras_preprocessing in it: try the next
    }
  }
  return null;
}

/** One measurement: the JSON line keras_preprocessing_bench.py prints. The texts file is removed, whatever happens. */
export async function measureKerasPreprocessing(python: string, c: TextsCase, seconds: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "typegrad-bench-texts-"));
  try {
    const textsFile = join(dir, "texts.json");
    writeFileSync(textsFile, JSON.stringify(await benchTexts(c.batch)));
    const request = JSON.stringify({ case: c, textsFile, seconds });
    return execFileSync(python, [script], { input: request, encoding: "utf8", stdio: ["pipe", "pipe", "inherit"], maxBuffer: 1 << 20 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
