// simpleRNN, generated: h_t = act(x_t·K + h_{t-1}·R + b). The h tape starts as every step's x·K + b,
// the recurrent product is added onto step t's block and the activation applied there in place; backward dz_t = dh · act'(z) per step.
// Masked (see cell.ts): a padded step keeps h_{t-1}, and its dh passes to the step before.

import type { RecurrentAttrs } from "./cell.reference";
import { simpleRnnReference } from "./simple-rnn.reference";
import { DEFAULT_ALPHA, type ElementwiseActivation } from "../activation-table";
import { nodeStep, type OpRule } from "../rule";
import { recurrentRule, inputName, carry, cellFunction, emitOutput, inputGradients, inputProjection, layout, outputGradient, perExample, refuse, inputRow, skipPadded, stepMask, stepCarriedGradient, recurrentKernelGradient, stepRecurrentProduct, storeStepGradient, wholeLoopInRuntime, gradientsInTheWalk, projectionInTheWalk, stepMajorInput, weightsHaveOneWriter, type GradientsInTheWalk, type Layout, type Op } from "./cell";

/** h_t = act(z) for every example, in the loop over t, z = h[t] (x_t·K + b + h_{t-1}·R); masked, a padded step's h_t is h_{t-1}. */
function stepState(l: Layout, act: ElementwiseActivation): string[] {
  const value = act.expression("z", DEFAULT_ALPHA);
  return [
    `// h_t = ${act.name}(z), z = ${l.h}[t] = x_t · K${l.bias ? " + b" : ""} + h_{t-1} · R${l.mask ? "; h_{t-1} where the step is padding" : ""}`,
    `for (let b = 0; b < batch; b++) {`,
    ...stepMask(l),
    `for (let u = 0; u < ${l.U}; u++) {`,
    `const s = (t * batch + b) * ${l.U} + u;`,
    `const z = ${l.h}[s];`,
    `${l.h}[s] = ${carry(l, l.h, value)};`,
    `}`,
    `}`,
  ];
}

/** h_t = tanh(h[t] + b) over the step's [batch, U] block in one call (h[t] holding x_t·K + h_{t-1}·R). */
function vectorState(l: Layout, bias: string | null): string[] {
  return [
    `// h_t = tanh(z), z = ${l.h}[t] = x_t · K + h_{t-1} · R${bias ? ` + ${bias}` : ""}: over the step's [batch, ${l.U}] block at once (WebAssembly SIMD where the host has it and 4 divides the units)`,
    `tanhRows(${l.h}, t * batch * ${l.U}, batch, ${l.U}${bias ? `, ${bias}` : ""});`,
  ];
}

/** dz_t = dh · (1 − h_t²) over the step's [batch, U] block in one call (unmasked tanh). */
function vectorGradient(l: Layout): string[] {
  return [
    `// dz_t = dh · tanh'(z), dz = dy · (1 − tanh²(z)): over the step's [batch, ${l.U}] block at once (WebAssembly SIMD where the host has it and 4 divides the units)`,
    `tanhRowsBackward(${l.h}, ${l.dh}, ${l.dz}, t, batch, ${l.U});`,
  ];
}

/** Every step's x·K, then h_t = tanh(h[t] + h_{t-1}·R + b), in one runtime call (tanh, unmasked; the tapes stay in WebAssembly memory for the loop). */
function wholeForward(l: Layout, recurrent: string, bias: string | null, projection: { args: string; comment: string }): string[] {
  return [
    projection.comment,
    `// for t = 0 … ${l.T - 1}: h_t = tanh(z), z = ${l.h}[t] + h_{t-1} · ${recurrent}${bias ? ` + ${bias}` : ""} (${l.h}[t] holding x_t · K; no h_{-1} term), over the step's [batch, ${l.U}] block: the whole loop in one call (where the host allows it, the tapes kept in WebAssembly memory and the batch walked in bands of rows on gemm's threads)`,
    `simpleRnnSequenceForward(${l.h}, ${recurrent}, ${bias ?? "null"}, ${l.T}, batch, ${l.U}, ${projection.args});`,
  ];
}

/** Every step's dz_t and carried dh in one runtime call (tanh, unmasked, the output's gradient at the last step only), and the gradients it computes after the walk. */
function wholeBackward(l: Layout, recurrent: string, after: GradientsInTheWalk | null): string[] {
  return [
    `// for t = ${l.T - 1} … 0: dz_t = dh · tanh'(z) = dh · (1 − h_t²) into ${after ? "dZ" : l.dz}[t]; then ${l.dh} = dz_t · ${recurrent}ᵀ, the gradient carried to step t - 1 (not at t = 0): the whole loop in one call`,
    ...(after ? [after.comment] : []),
    `simpleRnnSequenceBackward(${l.h}, ${l.dh}, ${after ? "null" : l.dz}, ${recurrent}, ${l.T}, batch, ${l.U}${after ? `, ${after.args}` : ""});`,
  ];
}

/** dz_t = dh · act'(z) for every example, in the loop over t, into dz_t and dZ; masked, a padded step's dz is 0 and its dh stays, a token step's dh is spent (0). */
function stepGradient(l: Layout, act: ElementwiseActivation): string[] {
  const h = `${l.h}[(t * batch + b) * ${l.U} + u]`;
  const dz = storeStepGradient(l, "u", `${l.dh}[b * ${l.U} + u] * ${act.derivative!(h, "", DEFAULT_ALPHA)}`);
  const comment = `// dz_t = dh · ${act.name}'(z), ${act.derivativeText}`;
  return [
    l.mask ? `${comment}; dh is spent on a token's step (dh_{t-1} is added to 0 by the product below)` : comment,
    `for (let b = 0; b < batch; b++) {`,
    inputRow(l),
    ...skipPadded(l),
    `for (let u = 0; u < ${l.U}; u++) {`,
    dz,
    ...(l.mask ? [`${l.dh}[b * ${l.U} + u] = 0;`] : []),
    `}`,
    `}`,
  ];
}

/** Whether the runtime walks the steps in one call: tanh (Keras' default), and wholeLoopInRuntime. */
const walkedInRuntime = (op: Op, l: Layout, pass: "forward" | "backward"): boolean => op.attrs.activation === "tanh" && wholeLoopInRuntime(op, l, pass);

const simpleRnnLowering: Pick<OpRule<RecurrentAttrs>, "refuse" | "buffers" | "forward" | "backward"> = {
  refuse: (op) => refuse(op, "simpleRNN"),
  buffers(op, ctx) {
    const l = layout(op, ctx, 1);
    const dz = walkedInRuntime(op, l, "backward") && weightsHaveOneWriter(l, ctx) ? [] : [perExample(l.dz, l.T * l.W)];
    return [perExample(l.xt, l.T * l.F), perExample(l.dxt, l.T * l.F), perExample(l.h, l.T * l.U), perExample(l.dh, l.U), ...dz];
  },
  forward(op, ctx, mode) {
    const l = layout(op, ctx, 1);
    const act = cellFunction(op.attrs.activation)!;
    // unmasked tanh (Keras' default): the bias and tanh over the step's whole block in one call of the runtime's tanhRows
    const vector = act.name === "tanh" && !l.mask;
    const bias = l.bias ? ctx.value(l.bias, mode) : null;
    const steps = [
      `for (let t = 0; t < ${l.T}; t++) {`,
      ...stepRecurrentProduct(l, ctx, mode, l.h),
      ...(vector ? vectorState(l, bias) : stepState(l, act)),
      `}`,
    ];
    const whole = walkedInRuntime(op, l, "forward");
    const body = [
      ...(whole ? [...stepMajorInput(l, ctx, mode), ...wholeForward(l, ctx.value(l.recurrent, mode), bias, projectionInTheWalk(l, ctx, mode, l.h))] : [...inputProjection(l, ctx, mode, l.h, vector), ...steps]),
      ...emitOutput(op, l, ctx, mode),
    ];
    return nodeStep(op.node, "forward", `${ctx.value(op.node.id, mode)} = simpleRNN(${inputName(l, ctx, mode)}): h_t = ${act.name}(x_t · K + h_{t-1} · R${l.bias ? " + b" : ""}) over ${l.T} steps`, body);
  },
  backward(op, ctx) {
    const l = layout(op, ctx, 1);
    const act = cellFunction(op.attrs.activation)!;
    const out = outputGradient(op, l, ctx);
    const vector = act.name === "tanh" && !l.mask;
    const steps = [
      `for (let t = ${l.T - 1}; t >= 0; t--) {`,
      ...out.perStep,
      ...(vector ? vectorGradient(l) : stepGradient(l, act)),
      ...stepCarriedGradient(l, ctx),
      `}`,
    ];
    const whole = walkedInRuntime(op, l, "backward");
    const inTheWalk = whole ? gradientsInTheWalk(l, ctx) : null;
    const body = [
      ...out.init,
      ...(whole ? wholeBackward(l, ctx.value(l.recurrent, "train"), inTheWalk) : steps),
      ...(inTheWalk ? inTheWalk.after : [...recurrentKernelGradient(l, ctx), ...inputGradients(l, ctx)]),
    ];
    return nodeStep(op.node, "backward", `backpropagation through ${l.T} steps, from ${ctx.grad(op.node.id)}`, body);
  },
};

export const simpleRNN = recurrentRule(simpleRnnReference, simpleRnnLowering, false);
