// Prints fit's progress as Keras does: verbose 1 a bar (redrawn in place on a terminal, written
// once per epoch otherwise), verbose 2 one line per epoch, verbose 0 nothing.

import { epochLine, formatValue, progressLine } from "./progress";

interface Output {
  write(text: string): void;
  readonly interactive: boolean;
}

function defaultOutput(): Output {
  const stdout = (globalThis as { process?: { stdout?: { isTTY?: boolean; write(text: string): boolean } } }).process?.stdout;
  if (stdout) return { write: (text) => void stdout.write(text), interactive: stdout.isTTY === true };
  let pending = "";
  return {
    write: (text) => {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      lines.forEach((line) => console.log(line));
    },
    interactive: false,
  };
}

const now = () => performance.now() / 1000;

export class ProgressPrinter {
  private started = 0;
  private lastDraw = 0;

  constructor(
    private readonly verbose: 0 | 1 | 2,
    private readonly epochs: number,
    private readonly steps: number,
    private readonly out: Output = defaultOutput(),
  ) {}

  startEpoch(epoch: number): void {
    if (!this.verbose) return;
    this.started = now();
    this.out.write(`${epochLine(epoch + 1, this.epochs)}\n`);
  }

  /** After each batch: redraws the bar on a terminal (at most every 50 ms). */
  step(step: number, logs: () => Record<string, number>): void {
    if (this.verbose !== 1 || !this.out.interactive || step === this.steps) return;
    const t = now();
    if (t - this.lastDraw < 0.05) return;
    this.lastDraw = t;
    this.out.write(`\r${progressLine({ step, steps: this.steps, elapsedSeconds: t - this.started, values: Object.entries(logs()), finished: false })}`);
  }

  /** Training stopped mid-epoch: ends a bar drawn in place, so the error starts on a line of its own. */
  abort(): void {
    if (this.verbose === 1 && this.out.interactive && this.lastDraw > this.started) this.out.write("\n");
  }

  endEpoch(logs: Record<string, number>): void {
    if (!this.verbose) return;
    const elapsed = now() - this.started;
    const values = Object.entries(logs);
    if (this.verbose === 1) {
      const line = progressLine({ step: this.steps, steps: this.steps, elapsedSeconds: elapsed, values, finished: true });
      this.out.write(`${this.out.interactive ? "\r" : ""}${line}\n`);
    } else if (this.verbose === 2) {
      const formatted = values.map(([k, v]) => ` - ${k}: ${formatValue(v)}`).join("");
      this.out.write(`${this.steps}/${this.steps} - ${Math.round(elapsed)}s${formatted}\n`);
    }
  }
}
