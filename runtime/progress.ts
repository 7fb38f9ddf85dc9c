// Keras 2's progress bar line, character for character (Progbar.update, verbose 1, in
// keras/utils/generic_utils.py of Keras 2.x; Keras 3's keras/src/utils/progbar.py keeps the same
// number formats but draws a different bar):
//   7/7 [==============================] - 0s 143us/step - loss: 0.1029 - acc: 1.0000
// Python's "%.0f" / "%.4f" round halves to even and "%.4e" prints two exponent digits; the
// helpers below do the same, so the lines match Keras' even on exact ties (accuracy 0.03125).
// One departure: Keras prints "%.4f" of any value over 1e-3, so a diverging loss takes seventy
// digits; formatValue prints values of a million and more as "%.4e" ("loss: 4.9934e+69").

export interface ProgressState {
  /** Steps done in this epoch. */
  readonly step: number;
  /** Steps in the epoch. */
  readonly steps: number;
  /** Seconds since the epoch started. */
  readonly elapsedSeconds: number;
  /** Running means to show, in order. */
  readonly values: readonly (readonly [string, number])[];
  /** The epoch's last line: total time and time per step instead of the ETA. */
  readonly finished: boolean;
}

const WIDTH = 30;

/** Python's "%.{digits}f": exact decimal value, ties to even; nan, inf and -inf as Python spells them. */
export function pythonFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e21) return `${sign}${BigInt(magnitude)}${digits > 0 ? `.${"0".repeat(digits)}` : ""}`;
  // toFixed rounds ties away from zero; a tie is exactly ...5 after the kept digits.
  const [whole, fraction] = magnitude.toFixed(100).split(".") as [string, string];
  const kept = fraction.slice(0, digits);
  const lastKept = Number((digits > 0 ? kept : whole).slice(-1));
  const tieToEven = /^50*$/.test(fraction.slice(digits)) && lastKept % 2 === 0;
  const text = tieToEven ? (digits > 0 ? `${whole}.${kept}` : whole) : magnitude.toFixed(digits);
  return sign + text;
}

/** The exact decimal digits of a double of at least 1 (every digit, no exponent): [whole, fraction]. */
function exactDigits(magnitude: number): [string, string] {
  if (Number.isInteger(magnitude)) return [BigInt(magnitude).toString(), ""];
  // Not an integer, so below 2^53, with at most 52 binary (so decimal) fraction digits: exact.
  const [whole, fraction] = magnitude.toFixed(100).split(".") as [string, string];
  return [whole, fraction.replace(/0+$/, "")];
}

/**
 * Python's "%.{digits}e": the exact value rounded to digits + 1 significant digits, ties to even,
 * and at least two exponent digits. (JavaScript's toExponential rounds ties away from zero; below 1
 * a double has too many digits for a tie to occur at the places Keras prints.)
 */
export function pythonExponential(value: number, digits: number): string {
  if (!Number.isFinite(value)) return pythonFixed(value, digits);
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const magnitude = Math.abs(value);
  let mantissa: string;
  let exponent: number;
  if (magnitude >= 1) {
    const [whole, fraction] = exactDigits(magnitude);
    const all = (whole + fraction).padEnd(digits + 1, "0");
    const kept = all.slice(0, digits + 1);
    const rest = all.slice(digits + 1);
    const tie = /^50*$/.test(rest);
    const up = tie ? Number(kept.slice(-1)) % 2 === 1 : rest[0]! > "5" || (rest[0] === "5" && /[1-9]/.test(rest));
    let rounded = up ? (BigInt(kept) + 1n).toString() : kept;
    exponent = whole.length - 1;
    if (rounded.length > digits + 1) {
      rounded = rounded.slice(0, digits + 1); // 9.9999|5 -> 10.0000: one more power of ten
      exponent++;
    }
    mantissa = digits > 0 ? `${rounded[0]}.${rounded.slice(1)}` : rounded;
  } else {
    const [m, e] = magnitude.toExponential(digits).split("e") as [string, string];
    mantissa = m;
    exponent = Number(e);
  }
  return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

/** Where formatValue leaves Keras: from here on, "%.4f" would print every digit of a diverging loss. */
const LARGE = 1e6;

/**
 * A metric as Keras prints it: four decimals when |v| > 1e-3, else exponent form ("1.2346e-05").
 * Unlike Keras, values of a million and more are in exponent form too ("4.9934e+69", not seventy
 * digits).
 */
export function formatValue(value: number): string {
  const magnitude = Math.abs(value);
  return magnitude > 1e-3 && magnitude < LARGE ? pythonFixed(value, 4) : pythonExponential(value, 4);
}

/** "[=====>........]": '=' for the steps done, '>' at the head while running. */
function bar(step: number, steps: number, done: boolean): string {
  const width = steps > 0 ? Math.trunc(WIDTH * (step / steps)) : 0;
  const filled = width > 0 ? "=".repeat(width - 1) + (done ? "=" : ">") : "";
  return `[${filled}${".".repeat(Math.max(0, WIDTH - width))}]`;
}

/** Keras 2: whole seconds, milliseconds or microseconds per step ("0us/step" before any step). */
function timePerStep(seconds: number): string {
  if (seconds >= 1) return `${pythonFixed(seconds, 0)}s/step`;
  if (seconds >= 1e-3) return `${pythonFixed(seconds * 1e3, 0)}ms/step`;
  return `${pythonFixed(seconds * 1e6, 0)}us/step`;
}

const twoDigits = (n: number) => String(Math.trunc(n)).padStart(2, "0");

/** Keras 2's ETA: "h:mm:ss" over an hour, "m:ss" over a minute, else whole seconds (truncated, as "%d"). */
function eta(seconds: number): string {
  if (seconds > 3600) return `${Math.trunc(Math.floor(seconds / 3600))}:${twoDigits(Math.floor((seconds % 3600) / 60))}:${twoDigits(seconds % 60)}`;
  if (seconds > 60) return `${Math.trunc(Math.floor(seconds / 60))}:${twoDigits(seconds % 60)}`;
  return `${Math.trunc(seconds)}s`;
}

/** One progress line (no "\r" or newline). The last line of an epoch has finished: true. */
export function progressLine({ step, steps, elapsedSeconds, values, finished }: ProgressState): string {
  const done = finished || step >= steps;
  const head = `${String(step).padStart(String(steps).length)}/${steps} ${bar(step, steps, done)}`;
  const perStep = step > 0 ? elapsedSeconds / step : 0;
  const time = done ? ` - ${pythonFixed(elapsedSeconds, 0)}s ${timePerStep(perStep)}` : ` - ETA: ${eta(perStep * (steps - step))}`;
  return `${head}${time}${values.map(([name, value]) => ` - ${name}: ${formatValue(value)}`).join("")}`;
}

/** "Epoch 1/5": printed before each epoch's bar (epoch counted from 1). */
export function epochLine(epoch: number, epochs: number): string {
  return `Epoch ${epoch}/${epochs}`;
}
