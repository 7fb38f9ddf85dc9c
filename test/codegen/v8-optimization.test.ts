import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// V8 stops optimising very large functions; the generated kernels are kept small so they all reach
// TurboFan, the recurrent ones (a loop over the time steps around the cell) too. A separate node
// process with --allow-natives-syntax asks V8 for each kernel's status; --no-concurrent-recompilation
// makes V8 compile on the main thread, so a kernel it has decided to optimise is optimised when
// asked, not still queued behind a busy machine's background thread.

it("every generated kernel of every example reaches V8's optimising tier", () => {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const out = execFileSync(process.execPath, ["--allow-natives-syntax", "--no-concurrent-recompilation", "--import", "tsx", "test/support/v8-check.ts"], { cwd: root, encoding: "utf8" });
  const report = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, boolean>;
  expect(Object.keys(report).length).toBeGreaterThan(100);
  // The recurrent examples' cells, forward and through time, are among them.
  for (const cell of ["lstm", "gru", "simple_rnn"]) {
    expect(Object.keys(report).filter((name) => name.endsWith(`_${cell}_out_forward`) || name.endsWith(`_${cell}_out_backward`)).length, cell).toBeGreaterThanOrEqual(2);
  }
  expect(Object.entries(report).filter(([, optimised]) => !optimised).map(([name]) => name)).toEqual([]);
});
