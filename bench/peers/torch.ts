import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TrainingCase } from "../cases";
import { caseData } from "../cases";

/**
 * PyTorch (CPU) runs in Python: bench/peers/torch_bench.py, one process per measurement, given the
 * case and caseData's numbers as JSON on stdin, prints bench/worker.ts's JSON line.
 * "torch-1t" is one thread (ATen's, and OpenBLAS' OpenMP pool with it), "torch-all" every core.
 */
export const TORCH_IMPLEMENTATIONS = ["torch-1t", "torch-all"] as const;

export const isTorch = (implementation: string): boolean => (TORCH_IMPLEMENTATIONS as readonly string[]).includes(implementation);

export const TORCH_INSTALL = "apt-get install -y python3-torch libopenblas0-openmp";

const script = fileURLToPath(new URL("torch_bench.py", import.meta.url));

export interface TorchInfo {
  /** The interpreter that imports torch. */
  readonly python: string;
  /** torch.__version__ */
  readonly torch: string;
  /** The BLAS and LAPACK libraries the process mapped. */
  readonly blas: readonly string[];
  readonly cpus: number;
}

/**
 * The first interpreter that imports torch: $TORCH_PYTHON if set, then `python3` on PATH (which may
 * be a pyenv shim without torch), then Debian's /usr/bin/python3. null when none does.
 */
export function findTorch(): TorchInfo | null {
  const candidates = [process.env.TORCH_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p);
  for (const python of candidates) {
    try {
      const out = execFileSync(python, [script, "--info"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 });
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) return { ...(JSON.parse(line) as Omit<TorchInfo, "python">), python };
    } catch {
      // no such interpreter, or no torch in it: try the next
    }
  }
  return null;
}

/** One measurement: the JSON line torch_bench.py prints. */
export function measureTorch(python: string, c: TrainingCase, implementation: string, seconds: number): string {
  const { x, y } = caseData(c);
  const request = JSON.stringify({ case: c, x, y, implementation, seconds });
  return execFileSync(python, [script], { input: request, encoding: "utf8", stdio: ["pipe", "pipe", "ignore"] });
}
