import { describe, expect, it } from "vitest";
import { epochLine, formatValue, progressLine, pythonExponential, pythonFixed } from "../../runtime/progress";

// Expected lines were produced by Keras 2's Progbar.update code (keras/utils/generic_utils.py,
// verbose 1) run under CPython with the same step, target, elapsed time and values.
const KERAS_LINES: [number, number, number, [string, number][], string][] = [
  [7, 7, 0.001001, [["loss", 0.1029], ["acc", 1.0]], "7/7 [==============================] - 0s 143us/step - loss: 0.1029 - acc: 1.0000"],
  [3, 7, 1.5, [["loss", 0.25]], "3/7 [===========>..................] - ETA: 2s - loss: 0.2500"],
  [0, 100, 0.0, [], "  0/100 [..............................] - ETA: 0s"],
  [100, 100, 250.0, [["loss", 2.5]], "100/100 [==============================] - 250s 2s/step - loss: 2.5000"],
  [10, 10, 0.125, [["loss", 0.03125], ["acc", 0.96875]], "10/10 [==============================] - 0s 12ms/step - loss: 0.0312 - acc: 0.9688"],
  [1, 100, 1.5, [["loss", 1.5e-5]], "  1/100 [..............................] - ETA: 2:28 - loss: 1.5000e-05"],
  [1, 1000, 4.0, [["mae", -0.5]], "   1/1000 [..............................] - ETA: 1:06:36 - mae: -0.5000"],
  [
    5,
    120,
    0.5,
    [["a", 0.0], ["b", 0.001], ["c", -0.0002], ["d", 123456.789], ["e", 0.00123]],
    "  5/120 [>.............................] - ETA: 11s - a: 0.0000e+00 - b: 1.0000e-03 - c: -2.0000e-04 - d: 123456.7890 - e: 0.0012",
  ],
  [120, 120, 59.5, [["loss", 0.5]], "120/120 [==============================] - 60s 496ms/step - loss: 0.5000"],
  [32, 32, 0.0465, [["loss", 0.69314718], ["accuracy", 0.5]], "32/32 [==============================] - 0s 1ms/step - loss: 0.6931 - accuracy: 0.5000"],
  [2, 3, 119.99, [], "2/3 [===================>..........] - ETA: 59s"],
  [1875, 1875, 3.7, [["loss", 0.29627], ["accuracy", 0.91516]], "1875/1875 [==============================] - 4s 2ms/step - loss: 0.2963 - accuracy: 0.9152"],
];

describe("progressLine (Keras 2 Progbar, verbose 1)", () => {
  it("prints DESIGN.md's example line", () => {
    const line = progressLine({ step: 7, steps: 7, elapsedSeconds: 0.001001, values: [["loss", 0.1029], ["acc", 1]], finished: true });
    expect(line).toBe("7/7 [==============================] - 0s 143us/step - loss: 0.1029 - acc: 1.0000");
  });

  for (const [step, steps, elapsedSeconds, values, expected] of KERAS_LINES) {
    it(`matches Keras for step ${step}/${steps} after ${elapsedSeconds}s`, () => {
      expect(progressLine({ step, steps, elapsedSeconds, values, finished: step >= steps })).toBe(expected);
    });
  }

  it("draws '=' for the steps done, '>' at the head while running, '.' for the rest, 30 wide", () => {
    const barOf = (step: number, steps: number, finished = false) => progressLine({ step, steps, elapsedSeconds: 1, values: [], finished }).match(/\[(.*)\]/)![1]!;
    expect(barOf(0, 10)).toBe(".".repeat(30));
    expect(barOf(1, 10)).toBe("==>" + ".".repeat(27));
    expect(barOf(5, 10)).toBe("=".repeat(14) + ">" + ".".repeat(15));
    expect(barOf(9, 10)).toBe("=".repeat(26) + ">" + "...");
    expect(barOf(1, 31)).toBe(".".repeat(30));
    expect(barOf(10, 10, true)).toBe("=".repeat(30));
    for (let step = 0; step <= 47; step++) expect(barOf(step, 47, step === 47)).toHaveLength(30);
  });

  it("ends a stopped epoch like a finished one: time per step, no ETA", () => {
    expect(progressLine({ step: 2, steps: 4, elapsedSeconds: 0.5, values: [], finished: true })).toBe("2/4 [===============...............] - 0s 250ms/step");
  });

  it("prints the seconds per step at 1s and over, and 0us/step before any step", () => {
    expect(progressLine({ step: 4, steps: 4, elapsedSeconds: 10, values: [], finished: true })).toBe("4/4 [==============================] - 10s 2s/step");
    expect(progressLine({ step: 4, steps: 4, elapsedSeconds: 0.004, values: [], finished: true })).toBe("4/4 [==============================] - 0s 1ms/step");
    expect(progressLine({ step: 4, steps: 4, elapsedSeconds: 0.0039, values: [], finished: true })).toBe("4/4 [==============================] - 0s 975us/step");
    expect(progressLine({ step: 0, steps: 0, elapsedSeconds: 0, values: [], finished: true })).toBe("0/0 [..............................] - 0s 0us/step");
  });

  it("prints the ETA in seconds (truncated), m:ss over a minute and h:mm:ss over an hour", () => {
    const etaOf = (elapsedSeconds: number, step: number, steps: number) => progressLine({ step, steps, elapsedSeconds, values: [], finished: false }).split(" - ETA: ")[1];
    expect(etaOf(0.999, 1, 2)).toBe("0s");
    expect(etaOf(60, 1, 2)).toBe("60s");
    expect(etaOf(61, 1, 2)).toBe("1:01");
    expect(etaOf(3600, 1, 2)).toBe("60:00");
    expect(etaOf(3601.5, 1, 2)).toBe("1:00:01");
    expect(etaOf(36000, 1, 11)).toBe("100:00:00");
  });
});

describe("formatValue (Keras: '%.4f' when |v| > 1e-3, else '%.4e')", () => {
  it("uses four decimals above 1e-3 and exponent form at or below it", () => {
    expect(formatValue(0.1029)).toBe("0.1029");
    expect(formatValue(1)).toBe("1.0000");
    expect(formatValue(-2.5)).toBe("-2.5000");
    expect(formatValue(0.0010001)).toBe("0.0010");
    expect(formatValue(0.001)).toBe("1.0000e-03");
    expect(formatValue(1.23456e-5)).toBe("1.2346e-05");
    expect(formatValue(-3e-4)).toBe("-3.0000e-04");
    expect(formatValue(0)).toBe("0.0000e+00");
    expect(formatValue(4.9e-324)).toBe("4.9407e-324");
  });

  it("prints a million and more in exponent form, where Keras would print every digit", () => {
    // "%.4e" of each value, from CPython.
    expect(formatValue(4.9934e69)).toBe("4.9934e+69");
    expect(formatValue(1e6)).toBe("1.0000e+06");
    expect(formatValue(-2.5e12)).toBe("-2.5000e+12");
    expect(formatValue(3.4028234663852886e38)).toBe("3.4028e+38");
    expect(formatValue(10000500.000000002)).toBe("1.0001e+07");
    // Below a million, Keras' four decimals.
    expect(formatValue(999999.99994)).toBe("999999.9999");
    expect(formatValue(123456.789)).toBe("123456.7890");
    const line = progressLine({ step: 1, steps: 1, elapsedSeconds: 0.5, values: [["loss", 4.9934e69]], finished: true });
    expect(line).toBe("1/1 [==============================] - 0s 500ms/step - loss: 4.9934e+69");
  });

  it("spells non-finite values as Python does", () => {
    expect(formatValue(NaN)).toBe("nan");
    expect(formatValue(Infinity)).toBe("inf");
    expect(formatValue(-Infinity)).toBe("-inf");
  });
});

describe("Python number formatting", () => {
  // [value, "%.4f", "%.0f", "%.4e"] from CPython.
  const PYTHON: [number, string, string, string][] = [
    [0.03125, "0.0312", "0", "3.1250e-02"],
    [0.96875, "0.9688", "1", "9.6875e-01"],
    [2.5, "2.5000", "2", "2.5000e+00"],
    [0.5, "0.5000", "0", "5.0000e-01"],
    [1.5, "1.5000", "2", "1.5000e+00"],
    [0.00005, "0.0001", "0", "5.0000e-05"],
    [1.00005, "1.0001", "1", "1.0001e+00"],
    [0.0001, "0.0001", "0", "1.0000e-04"],
    [-0.03125, "-0.0312", "-0", "-3.1250e-02"],
    [1e-7, "0.0000", "0", "1.0000e-07"],
    [5e-324, "0.0000", "0", "4.9407e-324"],
    [0.1, "0.1000", "0", "1.0000e-01"],
    [2.675, "2.6750", "3", "2.6750e+00"],
    [1e22, "10000000000000000000000.0000", "10000000000000000000000", "1.0000e+22"],
    [-0, "-0.0000", "-0", "-0.0000e+00"],
    // Exact ties at the fifth significant digit round to even (JavaScript's toExponential rounds up).
    [123455, "123455.0000", "123455", "1.2346e+05"],
    [123465, "123465.0000", "123465", "1.2346e+05"],
    [2500050, "2500050.0000", "2500050", "2.5000e+06"],
    [1234665, "1234665.0000", "1234665", "1.2347e+06"],
    [99999.5, "99999.5000", "100000", "1.0000e+05"],
  ];
  for (const [value, fixed4, fixed0, exp4] of PYTHON) {
    it(`formats ${Object.is(value, -0) ? "-0" : value} as CPython`, () => {
      expect(pythonFixed(value, 4)).toBe(fixed4);
      expect(pythonFixed(value, 0)).toBe(fixed0);
      expect(pythonExponential(value, 4)).toBe(exp4);
    });
  }
});

describe("epochLine", () => {
  it("counts epochs from 1", () => {
    expect(epochLine(1, 5)).toBe("Epoch 1/5");
    expect(epochLine(12, 100)).toBe("Epoch 12/100");
  });
});
