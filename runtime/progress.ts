// Keras 2's Progbar lines (keras/utils/generic_utils.py Progbar.update):
//   7/7 [==============================] - 0s 143us/step - loss: 0.1029 - acc: 1.0000

export interface ProgressState {
  readonly step: number;
  readonly steps: number;
  readonly elapsedSeconds: number;
  readonly values: readonly (readonly [string, number])[];
  readonly finished: boolean;
}

const WIDTH = 30;

/** Keras prints |v| > 1e-3 with four decimals, smaller values in exponent form. */
export function formatValue(value: number): string {
  if (Math.abs(value) > 1e-3) return value.toFixed(4);
  const [mantissa, exponent] = value.toExponential(4).split("e") as [string, string];
  const sign = exponent.startsWith("-") ? "-" : "+";
  return `${mantissa}e${sign}${exponent.replace(/^[-+]/, "").padStart(2, "0")}`;
}

function bar(step: number, steps: number): string {
  const done = Math.floor((WIDTH * step) / steps);
  let text = done > 0 ? "=".repeat(done - 1) + (step < steps ? ">" : "=") : "";
  return `[${text}${".".repeat(WIDTH - done)}]`;
}

function timePerStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

function eta(seconds: number): string {
  if (seconds > 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
  if (seconds > 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
  return `${Math.round(seconds)}s`;
}

export function progressLine({ step, steps, elapsedSeconds, values, finished }: ProgressState): string {
  const digits = String(steps).length;
  const head = `${String(step).padStart(digits)}/${steps} ${bar(step, steps)}`;
  const perStep = step > 0 ? elapsedSeconds / step : 0;
  const time = finished ? ` - ${Math.round(elapsedSeconds)}s ${timePerStep(perStep)}` : ` - ETA: ${eta(perStep * (steps - step))}`;
  return `${head}${time}${values.map(([name, value]) => ` - ${name}: ${formatValue(value)}`).join("")}`;
}

export function epochLine(epoch: number, epochs: number): string {
  return `Epoch ${epoch}/${epochs}`;
}
