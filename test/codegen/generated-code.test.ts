import { describe, expect, it } from "vitest";
import { Node, Project, SyntaxKind, type FunctionDeclaration } from "ts-morph";
import { adam, batchNormalization, bidirectional, concatenate, dense, dropout, embedding, flatten, gru, input, l2, lstm, mean, model, relu, rmsprop, sequential, sgd, simpleRNN, step } from "typegrad/dsl";
import { generateSource } from "../support/generate";
import { RUNTIME_HELPERS } from "../../codegen/emit-module";

// Properties of the generated source itself: deterministic, allocation-free steps, bounded
// function sizes, fusion visible in the output, names from the model.

const mlp = () =>
  sequential(input([784]), dense(256, "relu"), dropout(0.5), dense(128, "relu"), dense(10, "softmax")).compile({
    loss: "categoricalCrossentropy",
    optimizer: adam(),
  });

function twoInputs() {
  const a = input([64]);
  const b = input([128]);
  const x = dense(8, "relu")(dense(16, "relu")(a));
  const y = dense(8, "relu")(dense(32, "relu")(dense(64, "relu")(b)));
  const z = dense(1)(dense(2, "relu")(concatenate(x, y)));
  return model({ inputs: [a, b], outputs: z }).compile({ loss: "meanSquaredError", optimizer: "adam" });
}

/** The recurrent layers at the benchmark's sizes, stacked and both ways round, with every output form. */
const recurrent = () =>
  sequential(
    input([50], { dtype: "int32" }),
    embedding(10000, 64),
    bidirectional(lstm(64, { returnSequences: true }), { mergeMode: "sum" }),
    gru(64, { returnSequences: true, goBackwards: true }),
    gru(32, { resetAfter: false, returnSequences: true }),
    simpleRNN(32),
    dense(1, "sigmoid"),
  ).compile({ loss: "binaryCrossentropy", optimizer: rmsprop() });

/** The chapter's Input(50, 1) -> LSTM(10) -> Dense(10, relu) -> Dense(1, sigmoid). */
const sequenceLstm = () =>
  sequential(input([50, 1]), lstm(10), dense(10, "relu"), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy", optimizer: adam() });

/** A tagger over a masked embedding: the mask made, carried over padded steps in both directions, applied to the loss. */
const maskedTagger = () =>
  sequential(input([8], { dtype: "int32" }), embedding(50, 8, { maskZero: true }), bidirectional(lstm(16, { returnSequences: true })), dense(5, "softmax")).compile({
    loss: "sparseCategoricalCrossentropy",
    optimizer: adam(),
  });

function functions(source: string): FunctionDeclaration[] {
  const file = new Project({ useInMemoryFileSystem: true }).createSourceFile("gen.ts", source);
  return file.getFunctions();
}

/** Calls a step may make: math, the dropout generator, the runtime's helpers (RUNTIME_HELPERS: gemm, the gate, row and sparse kernels, which reuse their scratch memory), a typed array's fill and other generated functions. */
function isAllowedCall(callee: string, local: ReadonlySet<string>): boolean {
  return /^Math\.\w+$/.test(callee) || /^\w+\.fill$/.test(callee) || callee === "rng.uniform" || RUNTIME_HELPERS.includes(callee) || local.has(callee);
}

function allocations(fn: FunctionDeclaration, local: ReadonlySet<string>): string[] {
  const found: string[] = [];
  fn.forEachDescendant((node) => {
    if (Node.isNewExpression(node) || Node.isArrayLiteralExpression(node) || Node.isObjectLiteralExpression(node)) found.push(node.getText());
    else if (Node.isArrowFunction(node) || Node.isFunctionExpression(node)) found.push(`closure: ${node.getText().slice(0, 40)}`);
    else if (Node.isSpreadElement(node) || Node.isTemplateExpression(node)) found.push(node.getText());
    else if (Node.isCallExpression(node) && !isAllowedCall(node.getExpression().getText(), local)) found.push(`call: ${node.getExpression().getText()}`);
  });
  return found;
}

describe("generated source", () => {
  it("is byte-identical when generated twice", async () => {
    expect(await generateSource(mlp())).toBe(await generateSource(mlp()));
  });

  for (const [name, make] of [["mlp", mlp], ["two-inputs", twoInputs], ["recurrent", recurrent], ["sequence-lstm", sequenceLstm], ["masked tagger", maskedTagger]] as const) {
    it(`${name}: training steps allocate nothing`, async () => {
      const fns = functions(await generateSource(make()));
      const local = new Set(fns.map((f) => f.getName()!));
      const steps = fns.filter((f) => f.getName() !== "createBuffers");
      expect(steps.length).toBeGreaterThan(5);
      for (const fn of steps) expect(allocations(fn, local), fn.getName()).toEqual([]);
    });

    it(`${name}: no function is near V8's optimisation size limit`, async () => {
      for (const fn of functions(await generateSource(make()))) {
        // V8 stops optimising functions past ~60 KB of bytecode; source text is a generous proxy.
        expect(fn.getText().length, fn.getName()).toBeLessThan(20_000);
      }
    });
  }

  it("names buffers after the model and comments each loop nest with its op", async () => {
    const source = await generateSource(mlp());
    expect(source).toContain("dense_1_kernel");
    expect(source).toContain("d_dense_1_kernel");
    expect(source).toMatch(/\/\*\* dense: dense_out = relu\(input · dense_kernel \+ dense_bias\)/);
    expect(source).toMatch(/\/\/ d_dense_2_kernel = dense_1_outᵀ · d_dense_2_z/);
  });

  it("fuses bias, activation and the dropout mask into the matmul store", async () => {
    const source = await generateSource(mlp());
    const forward = functions(source).find((f) => f.getName() === "dense_forward_train")!;
    const text = forward.getText();
    expect(text).toContain("dense_bias[");
    expect(text).toContain("rng.uniform()");
    expect(text).toContain("mask_dropout_out[");
    expect(functions(source).some((f) => f.getName()?.startsWith("dropout_out"))).toBe(false);
  });

  it("writes softmax + categorical crossentropy's gradient as p - y", async () => {
    const seed = functions(await generateSource(mlp())).find((f) => f.getName() === "loss_gradient")!;
    expect(seed.getText()).toMatch(/d_dense_2_z\[i\] = \(dense_2_out\[i\]! - target\[i\]!\) \* scale/);
  });

  it("writes sigmoid + binary crossentropy's gradient as p - y", async () => {
    const net = sequential(input([3]), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy", optimizer: sgd() });
    const seed = functions(await generateSource(net)).find((f) => f.getName() === "loss_gradient")!;
    expect(seed.getText()).toMatch(/d_dense_z\[i\] = \(dense_out\[i\]! - target\[i\]!\) \* scale/);
  });

  it("computes no input gradient for a layer fed only by inputs", async () => {
    const source = await generateSource(mlp());
    expect(source).not.toMatch(/\bd_input\b/);
    const first = functions(source).find((f) => f.getName() === "dense_backward")!;
    expect(first.getText()).not.toContain("// d_input");
  });

  it("uses dedicated dW = Xᵀ·dY and dX = dY·Wᵀ loops without transposed copies", async () => {
    const backward = functions(await generateSource(mlp())).find((f) => f.getName() === "dense_1_backward")!;
    const text = backward.getText();
    expect(text).toContain("// d_dense_1_kernel = dropout_outᵀ · d_dense_1_z");
    expect(text).toContain("// d_dropout_out = d_dense_1_z · dense_1_kernelᵀ");
    expect(backward.getDescendantsOfKind(SyntaxKind.NewExpression)).toEqual([]);
  });

  it("adds L2 penalties to the loss and the gradient", async () => {
    const net = sequential(input([3]), dense(2, { kernelRegularizer: l2(0.1) })).compile({ loss: "meanSquaredError", optimizer: sgd() });
    const source = await generateSource(net);
    expect(source).toContain("total += 0.1 * w * w");
    expect(source).toContain("d_dense_kernel[i]! += 0.2 * w");
  });

  it("reads a sparse input as CSR rows: the runtime's row gather forward, its scatter-add for the weight gradient", async () => {
    const net = sequential(input([10000], { sparse: true }), dense(8, "relu"), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy", optimizer: sgd() });
    const source = await generateSource(net);
    const fns = functions(source);
    const forward = fns.find((f) => f.getName() === "dense_forward")!.getText();
    expect(forward).toContain("sparseProduct(batch, 8, input_indptr, input_indices, input_values, dense_kernel, dense_bias, dense_out);");
    expect(forward).toContain("const a = z > 0 ? z : 0;");
    const backward = fns.find((f) => f.getName() === "dense_backward")!.getText();
    // the kernel's gradient has no other writer: only the rows the last batch wrote are zeroed
    expect(backward).toContain('sparseWeightGradient(batch, 8, input_indptr, input_indices, input_values, d_dense_z, d_dense_kernel, "touchedRows");');
    expect(backward).not.toContain("d_dense_kernel.fill");
    expect(source).not.toMatch(/new Float32Array\(maxBatch \* 10000\);\s*const input =/);
  });

  it("scatter-adds an embedding's gradient, zeroing only the rows the last batch wrote where nothing else writes it", async () => {
    const source = await generateSource(sequential(input([6], { dtype: "int32" }), embedding(100, 4), flatten(), dense(1)).compile({ loss: "meanSquaredError", optimizer: sgd() }));
    expect(source).toContain("zeroWrittenRows(d_embedding_embeddings, 4, input, batch * 6);");
    expect(source).toContain("d_embedding_embeddings[row + 3]! += d_embedding_out[o + 3]!");
    expect(source).not.toContain("d_embedding_embeddings.fill");
  });

  it("lets recurrent layers read an embedding's rows from its table when they are its only readers: no buffer of its own, the gradient scatter-added straight from dX", async () => {
    const tokens = input([7], { dtype: "int32" });
    const gathered = await generateSource(sequential(input([7], { dtype: "int32" }), embedding(50, 4), bidirectional(simpleRNN(3)), dense(1)).compile({ loss: "meanSquaredError", optimizer: sgd() }));
    expect(gathered).not.toContain("embedding_out");
    expect(gathered.match(/= simpleRNN\(embedding_embeddings\[input\]\)/g)).toHaveLength(2);
    // the forward layer reads the ids first to last, the backward one last to first
    expect(gathered).toContain("gatherStepMajor(bidirectional_xt, embedding_embeddings, 4, input, 7, batch, false);");
    expect(gathered).toContain("gatherStepMajor(bidirectional_xt_2, embedding_embeddings, 4, input, 7, batch, true);");
    // the first reader's backward zeroes the table's gradient, both scatter-add into it
    expect(gathered.match(/zeroWrittenRows\(d_embedding_embeddings, 4, input, batch \* 7\);/g)).toHaveLength(1);
    expect(gathered).toContain("scatterAddStepMajor(d_embedding_embeddings, 4, input, 7, batch, false, bidirectional_dxt);");
    expect(gathered).toContain("scatterAddStepMajor(d_embedding_embeddings, 4, input, 7, batch, true, bidirectional_dxt_2);");
    // another reader of the embedding's value: the rows are gathered once, into its buffer, as before
    const table = embedding(50, 4);
    const embedded = table(tokens);
    const shared = await generateSource(model({ inputs: tokens, outputs: dense(1)(concatenate(simpleRNN(3)(embedded), mean(embedded, 1))) }).compile({ loss: "meanSquaredError", optimizer: sgd() }));
    expect(shared).toContain("embedding_out[o + 3] = embedding_embeddings[row + 3]!");
    expect(shared).toContain("= simpleRNN(embedding_out)");
    expect(shared).toContain("d_embedding_embeddings[row + 3]! += d_embedding_out[o + 3]!");
  });

  it("zeroes a sparse layer's whole kernel gradient where a penalty also writes it", async () => {
    const net = sequential(input([50], { sparse: true }), dense(4, { kernelRegularizer: l2(0.1) })).compile({ loss: "meanSquaredError", optimizer: sgd() });
    const source = await generateSource(net);
    expect(source).toContain('sparseWeightGradient(batch, 4, input_indptr, input_indices, input_values, d_dense_out, d_dense_kernel, "zero");');
    expect(source).toContain("d_dense_kernel[i]! += 0.2 * w");
  });

  it("refuses a sparse input that feeds anything but a dense layer", async () => {
    const words = input([20], { sparse: true });
    const net = model({ inputs: words, outputs: dense(1)(relu(words)) }).compile({ loss: "meanSquaredError" });
    await expect(generateSource(net)).rejects.toThrow('sparse input "input" feeds relu in layer "relu"; a sparse input can only feed dense layers');
  });

  it("refuses to train through step, naming the layer", async () => {
    const x = input([2]);
    const net = model({ inputs: x, outputs: dense(1, "sigmoid")(step(dense(2)(x))) }).compile({ loss: "binaryCrossentropy", optimizer: sgd() });
    await expect(generateSource(net)).rejects.toThrow(/layer "step" uses step, which has no useful gradient/);
  });

  it("refuses the mask of an embedding with maskZero where a layer cannot take it, naming both layers and why", async () => {
    const ids = () => input([5], { dtype: "int32" });
    const masked = () => embedding(10, 4, { maskZero: true });
    const remedy = "leave maskZero off, or let a recurrent layer without returnSequences consume the mask before it";
    const flat = sequential(ids(), masked(), flatten(), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy" });
    await expect(generateSource(flat)).rejects.toThrow(
      `layer "flatten" (reshape) cannot take the mask of embedding "embedding" (maskZero: true): it moves numbers across the positions of the mask [5] (to [20]), and Keras' Flatten and Reshape drop the mask; ${remedy}`,
    );
    const normalised = sequential(ids(), masked(), batchNormalization(), lstm(2), dense(1)).compile({ loss: "meanSquaredError" });
    await expect(generateSource(normalised)).rejects.toThrow(
      'layer "batch_normalization" (batchNormalization) cannot take the mask of embedding "embedding" (maskZero: true): Keras leaves padded positions out of the batch statistics, which code generation does not do',
    );
    const tokens = ids();
    const pooled = model({ inputs: tokens, outputs: dense(1)(mean(masked()(tokens), 0)) }).compile({ loss: "meanSquaredError" });
    await expect(generateSource(pooled)).rejects.toThrow('layer "mean" (mean) cannot take the mask of embedding "embedding" (maskZero: true): its mean runs over the positions of the mask [5]');
    const [a, b] = [ids(), ids()];
    const two = model({ inputs: [a, b], outputs: dense(1)(lstm(2)(concatenate(masked()(a), masked()(b)))) }).compile({ loss: "meanSquaredError" });
    await expect(generateSource(two)).rejects.toThrow('layer "concatenate" (concatenate) combines the masks of embedding "embedding" (maskZero: true) and embedding "embedding_1" (maskZero: true), which is not supported');
    const perPosition = model({ inputs: tokens, outputs: mean(dense(3)(masked()(tokens)), -1) }).compile({ loss: "meanSquaredError" });
    await expect(generateSource(perPosition)).rejects.toThrow(
      `the model's output (layer "mean", [5]) carries the mask of embedding "embedding" (maskZero: true) over [5]; the loss leaves out whole last-axis vectors, so the output must be [5, C]`,
    );
    const unmasked = sequential(ids(), embedding(10, 4), flatten(), dense(1, "sigmoid")).compile({ loss: "binaryCrossentropy" });
    await expect(generateSource(unmasked)).resolves.toContain("a row gather");
  });

  it("says in comments what a mask does: made by the embedding, carried over padded steps, left out of the loss", async () => {
    const tagger = sequential(input([5], { dtype: "int32" }), embedding(10, 4, { maskZero: true }), lstm(3, { returnSequences: true }), dense(2, "softmax")).compile({
      loss: "sparseCategoricalCrossentropy",
      optimizer: sgd(),
    });
    const source = await generateSource(tagger);
    const text = (name: string) => functions(source).find((f) => f.getName() === name)!.getText();
    expect(text("embedding_out_forward")).toContain("// embedding_mask[r]: 1 where the id is a token, 0 where it is padding (id 0)");
    expect(text("lstm_out_forward")).toContain("; a padded step keeps c_{t-1} and h_{t-1}");
    expect(text("lstm_out_backward")).toContain("// a padded step: the carried gradients pass to the step before unchanged; nothing reaches the weights");
    expect(text("loss")).toContain("// the padded positions (embedding_mask 0) are left out: the mean over the other vectors (Keras' apply_mask)");
    expect(text("loss_gradient")).toContain("// the padded positions (embedding_mask 0) get no gradient");
    expect(source).toContain("outputMask: embedding_mask");
  });

  it("refuses a recurrent cell function it cannot differentiate in place, naming the layer", async () => {
    const rnn = sequential(input([6, 2]), simpleRNN(3, { activation: "softmax" }), dense(1)).compile({ loss: "meanSquaredError" });
    await expect(generateSource(rnn)).rejects.toThrow('layer "simple_rnn" (simpleRNN) uses softmax inside its cell, which code generation does not support; use tanh, sigmoid, relu or linear');
    const gates = sequential(input([6, 2]), lstm(3, { recurrentActivation: "softmax" }), dense(1)).compile({ loss: "meanSquaredError" });
    await expect(generateSource(gates)).rejects.toThrow('layer "lstm" (lstm) uses softmax inside its cell');
  });

  it("writes batch normalisation as the seed's four lines: mini-batch mean, variance, normalise, scale and shift", async () => {
    const net = sequential(input([3]), dense(4, { useBias: false }), batchNormalization(), dense(1)).compile({ loss: "meanSquaredError", optimizer: sgd() });
    const train = functions(await generateSource(net)).find((f) => f.getName() === "batch_normalization_out_forward_train")!.getText();
    expect(train).toContain("// μ = Σ x / count: the mini-batch mean");
    expect(train).toContain("// σ² = Σ (x − μ)² / count: the mini-batch variance (biased)");
    expect(train).toContain("// x̂ = (x − μ) / √(σ² + ε): normalise; y = γ x̂ + β: scale and shift");
    expect(train).toContain("batch_normalization_out[i] = batch_normalization_gamma[c]! * xhat + batch_normalization_beta[c]!;");
    expect(train).toContain("batch_normalization_moving_mean[c] = batch_normalization_moving_mean[c]! * 0.99 + mean * (1 - 0.99);");
  });

  it("states the derivative each backward loop applies, and only the gradients it computes", async () => {
    const source = await generateSource(mlp());
    const backward = functions(source).find((f) => f.getName() === "dense_1_backward")!;
    expect(backward.getJsDocs()[0]!.getDescription().trim()).toBe("dense_1: d_dense_1_bias, d_dense_1_kernel and d_dropout_out from d_dense_1_out");
    expect(backward.getText()).toContain("// dz = dy · (z > 0 ? 1 : 0)");
    const first = functions(source).find((f) => f.getName() === "dense_backward")!;
    expect(first.getText()).toContain("// dz = dy · (z > 0 ? 1 : 0) (* the mask of dropout(0.5))");
    const noBias = sequential(input([2]), dense(2, { activation: "sigmoid", useBias: false })).compile({ loss: "meanSquaredError", optimizer: sgd() });
    const only = functions(await generateSource(noBias)).find((f) => f.getName() === "dense_backward")!;
    expect(only.getJsDocs()[0]!.getDescription().trim()).toBe("dense: d_dense_kernel from d_dense_out");
    expect(only.getText()).toContain("// dz = dy · σ(z)(1 − σ(z))");
    expect(await generateSource(noBias)).not.toMatch(/dropout|penalt/);
  });
});
