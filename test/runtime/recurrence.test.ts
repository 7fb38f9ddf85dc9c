import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimdGemm } from "../../runtime/gemm/simd-gemm";
import { lstmSequenceBackward, lstmSequenceForward, simpleRnnSequenceBackward, simpleRnnSequenceForward } from "../../runtime/recurrent/recurrence";
import { lstmBackwardLoop, lstmForwardLoop, simpleRnnBackwardLoop, simpleRnnForwardLoop, walkGradients, project } from "../../runtime/recurrent/recurrence-loops";
import { ResidentRecurrence } from "../../runtime/recurrent/resident-recurrence";
import { Random } from "../../runtime/random";
import { residentFloats } from "../../runtime/gemm/gemm";
import { sameBits } from "../support/same-bits";

// A recurrent layer's loop over time with its tapes kept in the WebAssembly memory for the whole loop
// (ResidentRecurrence) against the loop of one gemm and one cell call per step: the same kernels on the
// same floats, so the same bits, batches that 4 does not divide and products shared with the worker
// threads included. The loops themselves are held to float64 here for a simpleRNN and an LSTM.

const resident = ResidentRecurrence.create();
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function uniform(random: Random, count: number, low = -1, high = 1): Float32Array {
  return Float32Array.from({ length: count }, () => low + random.uniform() * (high - low));
}

const copies = (arrays: Float32Array[]) => arrays.map((a) => a.slice());

const SHAPES = [
  { steps: 1, batch: 3, units: 4 },
  { steps: 5, batch: 7, units: 8 },
  { steps: 6, batch: 64, units: 64 },
];

describe.skipIf(!resident)("resident recurrent loops are the per-step loops to the bit", () => {
  describe.each(SHAPES)("steps $steps, batch $batch, units $units", ({ steps, batch, units }) => {
    it("lstm forward, with and without bias", () => {
      const random = new Random(11);
      const r = uniform(random, units * 4 * units, -0.5, 0.5);
      for (const bias of [uniform(random, 4 * units), null]) {
        const gates = uniform(random, steps * batch * 4 * units, -2, 2);
        const tapes = () => [gates.slice(), new Float32Array(steps * batch * units), new Float32Array(steps * batch * units), new Float32Array(steps * batch * units)];
        const [g1, c1, a1, h1] = tapes();
        const [g2, c2, a2, h2] = tapes();
        lstmForwardLoop(g1!, c1!, a1!, h1!, r, bias, steps, batch, units);
        resident!.lstmForward(g2!, c2!, a2!, h2!, r, bias, steps, batch, units, null);
        expect(sameBits([g2, c2, a2, h2], [g1, c1, a1, h1])).toBe("same");
      }
    });

    it("lstm and simpleRNN forward from the input, x·K computed in the memory as gemm computes it", () => {
      const random = new Random(15);
      const features = 12;
      const rows = steps * batch;
      for (const width of [4 * units, units]) {
        const [x, kernel, r, bias] = [uniform(random, rows * features), uniform(random, features * width, -0.5, 0.5), uniform(random, units * width, -0.5, 0.5), uniform(random, width)];
        const projected = new Float32Array(rows * width);
        project({ x, kernel, features }, projected, rows, width);
        const tapes = () => [new Float32Array(rows * units), new Float32Array(rows * units), new Float32Array(rows * units)];
        if (width === units) {
          const h1 = projected.slice();
          simpleRnnForwardLoop(h1, r, bias, steps, batch, units);
          const h2 = new Float32Array(rows * units);
          resident!.simpleRnnForward(h2, r, bias, steps, batch, units, { x, kernel, features });
          expect(sameBits([h2], [h1])).toBe("same");
        } else {
          const [c1, a1, h1] = tapes();
          const [c2, a2, h2] = tapes();
          const g1 = projected.slice();
          lstmForwardLoop(g1, c1!, a1!, h1!, r, bias, steps, batch, units);
          const g2 = new Float32Array(rows * width);
          resident!.lstmForward(g2, c2!, a2!, h2!, r, bias, steps, batch, units, { x, kernel, features });
          expect(sameBits([g2, c2, a2, h2], [g1, c1, a1, h1])).toBe("same");
        }
      }
    });

    it("lstm backward", () => {
      const random = new Random(12);
      const r = uniform(random, units * 4 * units, -0.5, 0.5);
      const gates = uniform(random, steps * batch * 4 * units, 0.01, 0.99);
      const [actC, c] = [uniform(random, steps * batch * units), uniform(random, steps * batch * units, -2, 2)];
      const start = [uniform(random, batch * units), uniform(random, batch * units), new Float32Array(steps * batch * 4 * units)];
      const [dh1, dc1, dz1] = copies(start);
      const [dh2, dc2, dz2] = copies(start);
      lstmBackwardLoop(gates, actC, c, dh1!, dc1!, dz1!, r, steps, batch, units);
      const before = gates.slice();
      resident!.lstmBackward(gates, actC, c, dh2!, dc2!, dz2!, r, steps, batch, units, new Float32Array(0), null, null, 0, null);
      expect(sameBits([dz2, dh2, dc2], [dz1, dh1, dc1])).toBe("same");
      expect(sameBits([gates], [before])).toBe("same");
    });

    it("simpleRNN forward and backward", () => {
      const random = new Random(13);
      const r = uniform(random, units * units, -0.5, 0.5);
      for (const bias of [uniform(random, units), null]) {
        const h = uniform(random, steps * batch * units, -2, 2);
        const [h1, h2] = [h.slice(), h.slice()];
        simpleRnnForwardLoop(h1, r, bias, steps, batch, units);
        resident!.simpleRnnForward(h2, r, bias, steps, batch, units, null);
        expect(sameBits([h2], [h1])).toBe("same");
      }
      const h = uniform(random, steps * batch * units, -0.99, 0.99);
      const start = [uniform(random, batch * units), new Float32Array(steps * batch * units)];
      const [dh1, dz1] = copies(start);
      const [dh2, dz2] = copies(start);
      simpleRnnBackwardLoop(h, dh1!, dz1!, r, steps, batch, units);
      resident!.simpleRnnBackward(h, dh2!, dz2!, r, steps, batch, units, null, null, 0, null);
      expect(sameBits([dz2, dh2], [dz1, dh1])).toBe("same");
    });

    it.each([
      { what: "every gradient", wanted: ["dKernel", "dRecurrent", "dBias", "dx"] },
      { what: "dX alone", wanted: ["dx"] },
      { what: "the weights' alone", wanted: ["dKernel", "dRecurrent", "dBias"] },
    ])("lstm and simpleRNN backward with $what after the walk, while dZ is in the memory", ({ wanted }) => {
      const random = new Random(14);
      const features = 12;
      const rows = steps * batch;
      for (const width of [4 * units, units]) {
        const [h, x, kernel] = [uniform(random, rows * units, -0.99, 0.99), uniform(random, rows * features), uniform(random, features * width)];
        const gradients = () => ({
          dKernel: wanted.includes("dKernel") ? new Float32Array(features * width) : null,
          dRecurrent: wanted.includes("dRecurrent") ? new Float32Array(units * width).fill(7) : null,
          dBias: wanted.includes("dBias") ? new Float32Array(width) : null,
          dx: wanted.includes("dx") ? new Float32Array(rows * features) : null,
        });
        const [loop, fast] = [gradients(), gradients()];
        const r = uniform(random, units * width, -0.5, 0.5);
        const [dh, dz1, dz2] = [uniform(random, batch * units), new Float32Array(rows * width), new Float32Array(rows * width)];
        if (width === units) {
          simpleRnnBackwardLoop(h, dh.slice(), dz1, r, steps, batch, units);
          walkGradients(h, dz1, x, kernel, steps, batch, units, width, features, loop);
          resident!.simpleRnnBackward(h, dh.slice(), dz2, r, steps, batch, units, x, kernel, features, fast);
        } else {
          const [gates, actC, c, dc] = [uniform(random, rows * width, 0.01, 0.99), uniform(random, rows * units), uniform(random, rows * units), uniform(random, batch * units)];
          lstmBackwardLoop(gates, actC, c, dh.slice(), dc.slice(), dz1, r, steps, batch, units);
          walkGradients(h, dz1, x, kernel, steps, batch, units, width, features, loop);
          resident!.lstmBackward(gates, actC, c, dh.slice(), dc.slice(), dz2, r, steps, batch, units, h, x, kernel, features, fast);
        }
        expect(sameBits([dz2], [dz1])).toBe("same");
        expect(fast).toEqual(loop);
      }
    });
  });
});

describe("the gradients after the walk against float64", () => {
  it("dR = Σ over t ≥ 1 of h_{t-1}ᵀ·dz_t, dK = xᵀ·dZ, db = Σ rows of dZ, dX = dZ·Kᵀ; dR = 0 for one step", () => {
    const random = new Random(23);
    const [batch, units, width, features] = [3, 4, 8, 5];
    for (const steps of [1, 4]) {
      const rows = steps * batch;
      const [h, dz, x, kernel] = [uniform(random, rows * units), uniform(random, rows * width), uniform(random, rows * features), uniform(random, features * width)];
      const g = { dKernel: new Float32Array(features * width), dRecurrent: new Float32Array(units * width).fill(3), dBias: new Float32Array(width), dx: new Float32Array(rows * features) };
      walkGradients(h, dz, x, kernel, steps, batch, units, width, features, g);
      for (let i = 0; i < units; i++)
        for (let j = 0; j < width; j++) {
          let total = 0;
          for (let r = batch; r < rows; r++) total += h[(r - batch) * units + i]! * dz[r * width + j]!;
          expect(g.dRecurrent[i * width + j]).toBeCloseTo(total, 5);
        }
      for (let f = 0; f < features; f++)
        for (let j = 0; j < width; j++) {
          let total = 0;
          for (let r = 0; r < rows; r++) total += x[r * features + f]! * dz[r * width + j]!;
          expect(g.dKernel[f * width + j]).toBeCloseTo(total, 5);
        }
      for (let j = 0; j < width; j++) {
        let total = 0;
        for (let r = 0; r < rows; r++) total += dz[r * width + j]!;
        expect(g.dBias[j]).toBeCloseTo(total, 5);
      }
      for (let r = 0; r < rows; r++)
        for (let f = 0; f < features; f++) {
          let total = 0;
          for (let j = 0; j < width; j++) total += dz[r * width + j]! * kernel[f * width + j]!;
          expect(g.dx[r * features + f]).toBeCloseTo(total, 5);
        }
    }
  });

  it("through the public calls: the same gradients whichever loop runs, and a clear error for a short array", () => {
    const random = new Random(24);
    const [steps, batch, units, features] = [3, 2, 4, 3];
    const rows = steps * batch;
    const [h, x, kernel, r] = [uniform(random, rows * units, -0.9, 0.9), uniform(random, rows * features), uniform(random, features * units), uniform(random, units * units)];
    const dh = uniform(random, batch * units);
    const [dz1, dz2] = [new Float32Array(rows * units), new Float32Array(rows * units)];
    const expected = { dKernel: new Float32Array(features * units), dRecurrent: new Float32Array(units * units), dBias: new Float32Array(units), dx: new Float32Array(rows * features) };
    simpleRnnBackwardLoop(h, dh.slice(), dz1, r, steps, batch, units);
    walkGradients(h, dz1, x, kernel, steps, batch, units, units, features, expected);
    const [dKernel, dRecurrent, dBias, dx] = [new Float32Array(features * units), new Float32Array(units * units), new Float32Array(units), new Float32Array(rows * features)];
    simpleRnnSequenceBackward(h, dh.slice(), dz2, r, steps, batch, units, x, kernel, features, dKernel, dRecurrent, dBias, dx);
    expect({ dKernel, dRecurrent, dBias, dx }).toEqual(expected);
    expect(() => simpleRnnSequenceBackward(h, dh, dz2, r, steps, batch, units, x, kernel, features, dKernel, dRecurrent, dBias, new Float32Array(5))).toThrow(
      "simpleRnnSequenceBackward: dx holds 5 floats, needs 18",
    );
  });

  it("without a dz tape where the call computes the gradients: the same gradients, on the resident walk and on the per-step loops (units 4 does not divide)", () => {
    const random = new Random(26);
    for (const units of [4, 3]) {
      const [steps, batch, features] = [3, 5, 2];
      const rows = steps * batch;
      const [h, x, kernel, r] = [uniform(random, rows * units, -0.9, 0.9), uniform(random, rows * features), uniform(random, features * units), uniform(random, units * units)];
      const dh = uniform(random, batch * units);
      const gradients = () => [new Float32Array(features * units), new Float32Array(units * units), new Float32Array(units), new Float32Array(rows * features)] as const;
      const withTape = gradients();
      simpleRnnSequenceBackward(h, dh.slice(), new Float32Array(rows * units), r, steps, batch, units, x, kernel, features, ...withTape);
      const without = gradients();
      simpleRnnSequenceBackward(h, dh.slice(), null, r, steps, batch, units, x, kernel, features, ...without);
      expect(without).toEqual(withTape);
    }
    expect(() => simpleRnnSequenceBackward(new Float32Array(12), new Float32Array(4), null, new Float32Array(16), 3, 1, 4)).toThrow(
      "simpleRnnSequenceBackward: dz must be a Float32Array unless the call computes dKernel, dRecurrent, dBias or dx",
    );
  });

  it("forward from the input through the public calls: x·K then the walk, and a clear error for a short kernel", () => {
    const random = new Random(25);
    const [steps, batch, units, features] = [3, 2, 4, 3];
    const rows = steps * batch;
    const [x, kernel, r, bias] = [uniform(random, rows * features), uniform(random, features * 4 * units), uniform(random, units * 4 * units), uniform(random, 4 * units)];
    const gates = new Float32Array(rows * 4 * units);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < 4 * units; j++) {
        let total = 0;
        for (let f = 0; f < features; f++) total += x[i * features + f]! * kernel[f * 4 * units + j]!;
        gates[i * 4 * units + j] = total;
      }
    const tapes = () => [new Float32Array(rows * units), new Float32Array(rows * units), new Float32Array(rows * units)] as const;
    const [c1, a1, h1] = tapes();
    lstmSequenceForward(gates, c1, a1, h1, r, bias, steps, batch, units);
    const [c2, a2, h2] = tapes();
    lstmSequenceForward(new Float32Array(rows * 4 * units), c2, a2, h2, r, bias, steps, batch, units, x, kernel, features);
    for (let i = 0; i < h1.length; i++) expect(h2[i]).toBeCloseTo(h1[i]!, 5);
    expect(() => lstmSequenceForward(gates, c2, a2, h2, r, bias, steps, batch, units, x, new Float32Array(7), features)).toThrow("lstmSequenceForward: kernel holds 7 floats, needs 48");
  });
});

describe.skipIf(!resident)("tapes, weights and gradients that lie in gemm's resident heap: read and written there", () => {
  it.each([
    ["dZ kept in a dz tape", true],
    ["no dz tape: the gates tape spent", false],
  ])("lstm forward from the input and backward with every gradient, %s: the bits of plain arrays (the batch 4 does not divide, shared with the threads)", (_, keepDz) => {
    const random = new Random(31);
    const [steps, batch, units, features] = [8, 30, 32, 8];
    const [rows, width] = [steps * batch, 4 * units];
    const start = { x: uniform(random, rows * features), kernel: uniform(random, features * width, -0.3, 0.3), r: uniform(random, units * width, -0.3, 0.3), bias: uniform(random, width), dh: uniform(random, batch * units), dc: uniform(random, batch * units) };
    const owner = {};
    const inHeap = (values: Float32Array) => {
      const view = residentFloats(values.length, owner);
      view.set(values);
      return view;
    };
    const run = (place: (values: Float32Array) => Float32Array) => {
      const a = Object.fromEntries(Object.entries(start).map(([name, values]) => [name, place(values)])) as typeof start;
      const [gates, c, actC, h] = [place(new Float32Array(rows * width)), place(new Float32Array(rows * units)), place(new Float32Array(rows * units)), place(new Float32Array(rows * units))];
      lstmSequenceForward(gates, c, actC, h, a.r, a.bias, steps, batch, units, a.x, a.kernel, features);
      const forward = [gates, c, actC, h].map((tape) => tape.slice());
      const dz = keepDz ? place(new Float32Array(rows * width)) : null;
      const g = [place(new Float32Array(features * width)), place(new Float32Array(units * width)), place(new Float32Array(width)), place(new Float32Array(rows * features))] as const;
      lstmSequenceBackward(gates, actC, c, a.dh, a.dc, dz, a.r, steps, batch, units, h, a.x, a.kernel, features, ...g);
      return { forward, dz, gradients: [...g, a.dh, a.dc] };
    };
    const plain = run((values) => values.slice());
    const resident = run(inHeap);
    expect(resident.forward).toEqual(plain.forward);
    expect(resident.gradients).toEqual(plain.gradients);
    expect(resident.dz).toEqual(plain.dz);
    expect(plain.gradients[0]!.some((v) => v !== 0)).toBe(true);
  });
});

describe.skipIf(!resident)("the walks shared with worker threads, a band of the batch's rows each", () => {
  const gemm = SimdGemm.create()!;
  const threads = gemm.threads!;
  const shared = ResidentRecurrence.create(gemm)!;

  beforeAll(async () => {
    threads.start(3);
    await threads.whenReady();
  });
  afterAll(() => threads.stop());

  it.each([
    // large enough to be shared: 16·16²·64 multiply-adds a simpleRNN walk
    { steps: 16, batch: 64, units: 16 },
    // bands of 16 and 14 rows: the last band's last tile cut by the batch
    { steps: 10, batch: 30, units: 32 },
  ])("give the per-step loops' bits when the workers walk every band: steps $steps, batch $batch, units $units", ({ steps, batch, units }) => {
    const random = new Random(16);
    const rows = steps * batch;
    const before = threads.chunks;
    threads.callerWorks = false;
    try {
      threads.policy.reset();
      const [r, rT] = [uniform(random, units * 4 * units, -0.5, 0.5), uniform(random, units * units, -0.5, 0.5)];
      const [bias, bias1] = [uniform(random, 4 * units), uniform(random, units)];
      const gates = uniform(random, rows * 4 * units, -2, 2);
      const tapes = () => [gates.slice(), new Float32Array(rows * units), new Float32Array(rows * units), new Float32Array(rows * units)] as const;
      const [g1, c1, a1, h1] = tapes();
      const [g2, c2, a2, h2] = tapes();
      lstmForwardLoop(g1, c1, a1, h1, r, bias, steps, batch, units);
      shared.lstmForward(g2, c2, a2, h2, r, bias, steps, batch, units, null);
      expect(sameBits([g2, c2, a2, h2], [g1, c1, a1, h1])).toBe("same");

      const start = [uniform(random, batch * units), uniform(random, batch * units), new Float32Array(rows * 4 * units)];
      const [dh1, dc1, dz1] = copies(start);
      const [dh2, dc2, dz2] = copies(start);
      lstmBackwardLoop(g1, a1, c1, dh1!, dc1!, dz1!, r, steps, batch, units);
      shared.lstmBackward(g1, a1, c1, dh2!, dc2!, dz2!, r, steps, batch, units, null, null, null, 0, null);
      expect(sameBits([dz2, dh2, dc2], [dz1, dh1, dc1])).toBe("same");

      const h = uniform(random, rows * units, -2, 2);
      const [s1, s2] = [h.slice(), h.slice()];
      simpleRnnForwardLoop(s1, rT, bias1, steps, batch, units);
      shared.simpleRnnForward(s2, rT, bias1, steps, batch, units, null);
      expect(sameBits([s2], [s1])).toBe("same");
      const dhs1 = uniform(random, batch * units);
      const dhs = dhs1.slice();
      const [dzs1, dzs2] = [new Float32Array(rows * units), new Float32Array(rows * units)];
      simpleRnnBackwardLoop(s1, dhs1, dzs1, rT, steps, batch, units);
      shared.simpleRnnBackward(s1, dhs, dzs2, rT, steps, batch, units, null, null, 0, null);
      expect(sameBits([dzs2, dhs], [dzs1, dhs1])).toBe("same");
    } finally {
      threads.callerWorks = true;
    }
    expect(threads.chunks.byCaller).toBe(before.byCaller);
    // four walks, each in two bands at least
    expect(threads.chunks.byWorkers).toBeGreaterThanOrEqual(before.byWorkers + 4 * 2);
  });
});

describe("the recurrent loops against float64", () => {
  const [steps, batch, units] = [4, 3, 4];

  it("simpleRNN: h_t = tanh(xk_t + h_{t-1}·R + b), and backward dz_t = dh·(1 − h_t²), dh_{t-1} = dz_t·Rᵀ", () => {
    const random = new Random(21);
    const [xk, r, bias] = [uniform(random, steps * batch * units), uniform(random, units * units), uniform(random, units)];
    const h = xk.slice();
    simpleRnnSequenceForward(h, r, bias, steps, batch, units);
    const expected = new Float64Array(steps * batch * units);
    for (let t = 0; t < steps; t++)
      for (let b = 0; b < batch; b++)
        for (let j = 0; j < units; j++) {
          let z = xk[(t * batch + b) * units + j]! + bias[j]!;
          if (t > 0) for (let k = 0; k < units; k++) z += expected[((t - 1) * batch + b) * units + k]! * r[k * units + j]!;
          expected[(t * batch + b) * units + j] = Math.tanh(z);
        }
    for (let i = 0; i < h.length; i++) expect(h[i]).toBeCloseTo(expected[i]!, 5);

    const dy = uniform(random, batch * units);
    const [dh, dz] = [dy.slice(), new Float32Array(steps * batch * units)];
    simpleRnnSequenceBackward(h, dh, dz, r, steps, batch, units);
    let carried = Float64Array.from(dy);
    for (let t = steps - 1; t >= 0; t--) {
      const dzt = new Float64Array(batch * units);
      for (let i = 0; i < batch * units; i++) dzt[i] = carried[i]! * (1 - h[t * batch * units + i]! ** 2);
      for (let i = 0; i < batch * units; i++) expect(dz[t * batch * units + i]).toBeCloseTo(dzt[i]!, 5);
      if (t === 0) break;
      carried = new Float64Array(batch * units);
      for (let b = 0; b < batch; b++) for (let k = 0; k < units; k++) for (let j = 0; j < units; j++) carried[b * units + k] += dzt[b * units + j]! * r[k * units + j]!;
    }
  });

  it("lstm: c_t = f·c_{t-1} + i·g, h_t = o·tanh(c_t) from z = xk_t + h_{t-1}·R + b", () => {
    const random = new Random(22);
    const width = 4 * units;
    const [xk, r, bias] = [uniform(random, steps * batch * width), uniform(random, units * width), uniform(random, width)];
    const [gates, c, actC, h] = [xk.slice(), new Float32Array(steps * batch * units), new Float32Array(steps * batch * units), new Float32Array(steps * batch * units)];
    lstmSequenceForward(gates, c, actC, h, r, bias, steps, batch, units);
    const hRef = new Float64Array(steps * batch * units);
    const cRef = new Float64Array(steps * batch * units);
    for (let t = 0; t < steps; t++)
      for (let b = 0; b < batch; b++) {
        const z = Array.from({ length: width }, (_, j) => {
          let v = xk[(t * batch + b) * width + j]! + bias[j]!;
          if (t > 0) for (let k = 0; k < units; k++) v += hRef[((t - 1) * batch + b) * units + k]! * r[k * width + j]!;
          return v;
        });
        for (let u = 0; u < units; u++) {
          const [i, f, g, o] = [sigmoid(z[u]!), sigmoid(z[units + u]!), Math.tanh(z[2 * units + u]!), sigmoid(z[3 * units + u]!)];
          const s = (t * batch + b) * units + u;
          cRef[s] = f * (t > 0 ? cRef[s - batch * units]! : 0) + i * g;
          hRef[s] = o * Math.tanh(cRef[s]!);
        }
      }
    for (let i = 0; i < h.length; i++) {
      expect(c[i]).toBeCloseTo(cRef[i]!, 5);
      expect(h[i]).toBeCloseTo(hRef[i]!, 5);
    }
  });

  it("names what is wrong with bad arguments", () => {
    const tape = new Float32Array(steps * batch * units);
    expect(() => simpleRnnSequenceForward(tape, new Float32Array(3), null, steps, batch, units)).toThrow("simpleRnnSequenceForward: recurrentKernel holds 3 floats, needs 16");
    expect(() => simpleRnnSequenceForward(tape, new Float32Array(16), null, 0, batch, units)).toThrow("simpleRnnSequenceForward: steps must be a positive integer, got 0");
    expect(() => lstmSequenceBackward(tape, tape, tape, tape, tape, tape, new Float32Array(64), steps, batch, units)).toThrow("lstmSequenceBackward: gates holds 48 floats, needs 192");
  });
});
