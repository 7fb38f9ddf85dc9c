import { describe, expect, it } from "vitest";
import {
  activation,
  add,
  bidirectional,
  concatenate,
  dense,
  dropout,
  embedding,
  gru,
  input,
  layerNormalization,
  lstm,
  mean,
  model,
  multiply,
  reshape,
  sequential,
  simpleRNN,
  type CompiledModel,
} from "typegrad/dsl";
import { maskOrigins, outputMask } from "../../codegen/mask-analysis";

// Which tensors carry an embedding's mask, as Keras 3 passes it on (Layer._set_mask_metadata with
// each layer's compute_mask): Dense, Dropout, Activation and LayerNormalization keep it
// (supports_masking); an RNN keeps it with return_sequences and ends it without
// (RNN.compute_mask); Bidirectional returns its input's mask with return_sequences; the merge layers
// OR their inputs' masks, Add and Multiply giving none when an input has none, Concatenate counting
// an unmasked input as all ones (so no position is padding).

const ids = () => input([4], { dtype: "int32" });
const masked = () => embedding(5, 3, { maskZero: true });

/** Whether the model's output carries the mask the loss then applies. */
function outputIsMasked(m: CompiledModel): boolean {
  return outputMask(m.ir, maskOrigins(m.ir)) !== null;
}

describe("mask analysis", () => {
  it("an embedding without maskZero makes no mask", () => {
    const m = sequential(ids(), embedding(5, 3), lstm(2, { returnSequences: true }), dense(2)).compile({ loss: "meanSquaredError" });
    expect(maskOrigins(m.ir).size).toBe(0);
  });

  it("dense, dropout, activations and layer normalisation pass it on to the output, with the embedding's ids as its axes", () => {
    const m = sequential(ids(), masked(), dense(4, "relu"), dropout(0.2), activation("tanh"), layerNormalization(), dense(2, "softmax")).compile({ loss: "categoricalCrossentropy" });
    const origin = outputMask(m.ir, maskOrigins(m.ir));
    expect(origin?.source.op).toBe("embedding");
    expect(origin?.positions).toEqual([4]);
  });

  it("a recurrent layer passes it on with returnSequences and ends it without", () => {
    const compile = (m: { compile(config: { loss: "meanSquaredError" }): CompiledModel }) => m.compile({ loss: "meanSquaredError" });
    const every = [
      sequential(ids(), masked(), simpleRNN(2, { returnSequences: true }), dense(2)),
      sequential(ids(), masked(), lstm(2, { returnSequences: true }), dense(2)),
      sequential(ids(), masked(), gru(2, { returnSequences: true }), dense(2)),
    ];
    const last = [sequential(ids(), masked(), simpleRNN(2), dense(2)), sequential(ids(), masked(), lstm(2), dense(2)), sequential(ids(), masked(), gru(2), dense(2))];
    for (const m of every) expect(outputIsMasked(compile(m))).toBe(true);
    for (const m of last) expect(outputIsMasked(compile(m))).toBe(false);
  });

  it("bidirectional passes its input's mask on with returnSequences, in every merge mode, and ends it without", () => {
    for (const mergeMode of ["concat", "sum", "mul", "ave"] as const) {
      const every = sequential(ids(), masked(), bidirectional(lstm(2, { returnSequences: true }), { mergeMode }), dense(2)).compile({ loss: "meanSquaredError" });
      expect(outputIsMasked(every), mergeMode).toBe(true);
      const last = sequential(ids(), masked(), bidirectional(gru(2), { mergeMode }), dense(2)).compile({ loss: "meanSquaredError" });
      expect(outputIsMasked(last), mergeMode).toBe(false);
    }
  });

  it("merges: the mask goes on when every input carries it, and ends when one does not", () => {
    const tokens = ids();
    const x = masked()(tokens);
    const y = dense(3)(x);
    const plain = input([4, 3]);
    const check = (out: unknown, inputs: unknown[]) => outputIsMasked(model({ inputs: inputs as never, outputs: dense(2)(out as never) }).compile({ loss: "meanSquaredError" }));
    expect(check(concatenate(x, y), [tokens])).toBe(true);
    expect(check(add(x, y), [tokens])).toBe(true);
    expect(check(multiply(x, y), [tokens])).toBe(true);
    expect(check(concatenate(x, plain), [tokens, plain])).toBe(false);
    expect(check(add(x, plain), [tokens, plain])).toBe(false);
  });

  it("a reshape or mean within each position keeps it", () => {
    const tokens = ids();
    const x = dense(4)(masked()(tokens));
    const out = dense(2)(mean(reshape(x, [4, 2, 2]), 1));
    expect(outputIsMasked(model({ inputs: tokens, outputs: out }).compile({ loss: "meanSquaredError" }))).toBe(true);
  });
});
