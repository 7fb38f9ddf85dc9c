import { afterEach, describe, expect, it, vi } from "vitest";
import { batchNormalization, bidirectional, dense, gru, input, lstm, sequential, simpleRNN } from "../../dsl/index";
import { lstmModel, mlp, mlpLayers, tiny, twoInputs } from "./support/models";

// summary(): Keras' table (Model: "...", Layer (type) | Output Shape | Param #, then the totals).
// Parameter counts are worked out by hand below: a dense layer has in*units + units weights.

/** The cells of a table row: "dense (Dense)   (None, 256)   2560256" -> three cells. */
const cells = (line: string) => line.trim().split(/\s{2,}/);

/** Rows of the table body: the lines between the header's "=" rule and the closing "=" rule. */
function body(text: string): string[][] {
  const lines = text.split("\n");
  const first = lines.findIndex((l) => /^=+$/.test(l));
  const last = lines.findIndex((l, i) => i > first && /^=+$/.test(l));
  return lines.slice(first + 1, last).filter((l) => l.trim() !== "").map(cells);
}

const totals = (text: string) => text.split("\n").filter((l) => /params:/.test(l));

afterEach(() => vi.restoreAllMocks());

describe("summary of the seed's MLP", () => {
  // dense:   10000 * 256 + 256 = 2,560,256
  // dense_1:   256 * 128 + 128 =    32,896
  // dense_2:    128 * 20 +  20 =     2,580
  // total:  2,560,256 + 32,896 + 2,580 = 2,595,732 (dropout has no weights)
  const text = mlp().summary(false);

  it("has Keras' layout: the model name, rules, the three column headings", () => {
    const lines = text.split("\n");
    expect(lines[0]).toBe('Model: "sequential"');
    expect(lines[1]).toMatch(/^_{65}$/);
    expect(cells(lines[2]!)).toEqual(["Layer (type)", "Output Shape", "Param #"]);
    expect(lines[3]).toMatch(/^={65}$/);
    expect(lines.at(-1)).toMatch(/^_{65}$/);
  });

  it("has one row per layer, in order, with (None, units) and the hand-counted weights", () => {
    expect(body(text)).toEqual([
      ["dense (Dense)", "(None, 256)", "2560256"],
      ["dropout (Dropout)", "(None, 256)", "0"],
      ["dense_1 (Dense)", "(None, 128)", "32896"],
      ["dropout_1 (Dropout)", "(None, 128)", "0"],
      ["dense_2 (Dense)", "(None, 20)", "2580"],
    ]);
  });

  it("does not list the input layer (as Keras' Sequential)", () => {
    expect(text).not.toMatch(/InputLayer/);
  });

  it("aligns the columns under their headings", () => {
    const lines = text.split("\n");
    const header = lines[2]!;
    for (const line of lines.filter((l) => /\(None, \d+\)/.test(l))) {
      expect(line.indexOf("(None")).toBe(header.indexOf("Output Shape"));
      expect(line.search(/\d+$/)).toBe(header.indexOf("Param #"));
    }
  });

  it("ends with the totals, thousands separated", () => {
    expect(totals(text)).toEqual(["Total params: 2,595,732", "Trainable params: 2,595,732", "Non-trainable params: 0"]);
  });

  it("is the same before compile()", () => {
    expect(mlpLayers().summary(false)).toBe(text);
  });
});

describe("summary(print)", () => {
  it("prints the table through console.log by default and returns it", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const text = mlp().summary();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(text);
    expect(text).toMatch(/^Model: "sequential"/);
  });

  it("summary(false) prints nothing and returns the text", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const write = vi.spyOn(process.stdout, "write");
    const text = mlp().summary(false);
    expect(log).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
    expect(text).toMatch(/Total params: 2,595,732/);
  });

  it("summary(false) on an uncompiled model prints nothing either", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(mlpLayers().summary(false)).toMatch(/^Model: "sequential"/);
    expect(log).not.toHaveBeenCalled();
  });

  it("a print function receives the text", () => {
    const lines: string[] = [];
    const text = mlp().summary((line) => lines.push(line));
    expect(lines).toEqual([text]);
  });
});

describe("summary of the seed's LSTM model: Input(50, 1) -> LSTM(10) -> Dense(10, relu) -> Dense(1, sigmoid)", () => {
  // lstm: 4 gates, each with a kernel 1 x 10, a recurrent kernel 10 x 10 and a bias of 10:
  //       4 * (10 * (1 + 10) + 10) = 4 * 120 = 480
  // dense:   10 * 10 + 10 = 110
  // dense_1: 10 * 1 + 1   =  11      total 480 + 110 + 11 = 601
  const text = lstmModel().summary(false);

  it("rows and totals", () => {
    expect(body(text)).toEqual([
      ["lstm (LSTM)", "(None, 10)", "480"],
      ["dense (Dense)", "(None, 10)", "110"],
      ["dense_1 (Dense)", "(None, 1)", "11"],
    ]);
    expect(totals(text)).toEqual(["Total params: 601", "Trainable params: 601", "Non-trainable params: 0"]);
  });

  it("a rank-2 output shows every axis after None", () => {
    // dense on [50, 1] maps the last axis: 1 * 3 + 3 = 6 weights, output (None, 50, 3).
    const seq = sequential(input([50, 1]), dense(3)).summary(false);
    expect(body(seq)).toEqual([["dense (Dense)", "(None, 50, 3)", "6"]]);
  });
});

describe("summary counts non-trainable weights apart", () => {
  it("batch normalisation's moving statistics are non-trainable", () => {
    // dense: 10 * 64 + 64 = 704; batch_normalization: 4 * 64 = 256, of which 2 * 64 = 128 moving stats.
    // total 960, trainable 704 + 128 = 832, non-trainable 128.
    const text = sequential(input([10]), dense(64), batchNormalization()).summary(false);
    const rows = text.split("\n").filter((l) => /\(None, 64\)/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^ dense \(Dense\)\s+\(None, 64\)\s+704$/);
    // The name is wider than its column, so "(BatchNormalization)" continues on the next line.
    expect(rows[1]).toMatch(/^ batch_normalization\s+\(None, 64\)\s+256$/);
    expect(text.split("\n")[text.split("\n").indexOf(rows[1]!) + 1]).toBe(" (BatchNormalization)");
    expect(totals(text)).toEqual(["Total params: 960", "Trainable params: 832", "Non-trainable params: 128"]);
  });

  it("keeps its columns aligned when a layer's name is wider than its column", () => {
    // "batch_normalization (BatchNormalization)" is 40 characters, the first column 29. Keras wraps the
    // name inside its column; here the row is pushed right, so Output Shape and Param # no longer line
    // up with their headings and the line outgrows the 65-character rules.
    const text = sequential(input([10]), dense(64), batchNormalization()).summary(false);
    const lines = text.split("\n");
    const header = lines[2]!;
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(65);
    for (const line of lines.filter((l) => /\(None, 64\)/.test(l))) {
      expect(line.indexOf("(None"), line).toBe(header.indexOf("Output Shape"));
      expect(line.search(/\d+$/), line).toBe(header.indexOf("Param #"));
    }
  });

  it("a frozen dense counts as non-trainable", () => {
    // 3 * 2 + 2 = 8 frozen; 2 * 1 + 1 = 3 trainable.
    const text = sequential(input([3]), dense(2, { trainable: false }), dense(1)).summary(false);
    expect(totals(text)).toEqual(["Total params: 11", "Trainable params: 3", "Non-trainable params: 8"]);
  });
});

describe("summary of other model styles", () => {
  it("the two-input functional model lists its inputs and sums to 11,813 weights", () => {
    // 64*16+16 = 1040, 16*8+8 = 136, 128*64+64 = 8256, 64*32+32 = 2080, 32*8+8 = 264,
    // concatenate 0, 16*2+2 = 34, 2*1+1 = 3: total 11,813.
    const text = twoInputs().summary(false);
    expect(text.split("\n")[0]).toBe('Model: "functional"');
    const rows = body(text);
    expect(rows.filter((r) => r[0]!.endsWith("(InputLayer)")).map((r) => r.slice(1))).toEqual([
      ["(None, 64)", "0"],
      ["(None, 128)", "0"],
    ]);
    expect(rows.filter((r) => r[0]!.endsWith("(Dense)")).map((r) => Number(r[2]))).toEqual([1040, 136, 8256, 2080, 264, 34, 3]);
    expect(rows.find((r) => r[0] === "concatenate (Concatenate)")).toEqual(["concatenate (Concatenate)", "(None, 16)", "0"]);
    expect(totals(text)).toEqual(["Total params: 11,813", "Trainable params: 11,813", "Non-trainable params: 0"]);
  });

  it("TinyNet: hidden 4*4+4 = 20, w 4*3 = 12, b 3: 35 weights", () => {
    const text = tiny().summary(false);
    expect(text.split("\n")[0]).toBe('Model: "TinyNet"');
    expect(body(text).find((r) => r[0] === "hidden (Dense)")).toEqual(["hidden (Dense)", "(None, 4)", "20"]);
    expect(totals(text)).toEqual(["Total params: 35", "Trainable params: 35", "Non-trainable params: 0"]);
  });

  it("recurrent layers count Keras' weights: SimpleRNN(32) on 32 features 2,080, LSTM(10) on 1 feature 480, GRU and Bidirectional", () => {
    // SimpleRNN: 32·32 + 32·32 + 32; LSTM: 4·(10·1 + 10·10 + 10); GRU with resetAfter: 3·(16·8 + 16·16 + 2·16);
    // Bidirectional(LSTM(16)) on 8: twice 4·(16·8 + 16·16 + 16).
    expect(totals(sequential(input([5, 32]), simpleRNN(32)).summary(false))[0]).toBe("Total params: 2,080");
    expect(totals(sequential(input([50, 1]), lstm(10)).summary(false))[0]).toBe("Total params: 480");
    expect(totals(sequential(input([50, 8]), gru(16)).summary(false))[0]).toBe("Total params: 1,248");
    expect(totals(sequential(input([50, 8]), gru(16, { resetAfter: false })).summary(false))[0]).toBe("Total params: 1,200");
    expect(totals(sequential(input([50, 8]), bidirectional(lstm(16))).summary(false))[0]).toBe("Total params: 3,200");
  });
});
