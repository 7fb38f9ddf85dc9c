// simpleRNN, generated: h_t = act(x_t·K + h_{t-1}·R + b); backward dz_t = dh · act'(z) per step.

import type { RecurrentAttrs } from "./cell.reference";
import { simpleRnnReference } from "./simple-rnn.reference";
import { DEFAULT_ALPHA } from "../activation-table";
import { nodeStep, type OpRule } from "../rule";
import { recurrentRule, cellFunction, emitOutput, inputGradients, inputProjection, layout, outputGradient, perExample, refuse, stepPreActivation, stepRecurrentGradients, zeroRecurrentGradient } from "./cell";

const simpleRnnLowering: Pick<OpRule<RecurrentAttrs>, "refuse" | "buffers" | "forward" | "backward"> = {
  refuse: (op) => refuse(op, "simpleRNN"),
  buffers(op, ctx) {
    const l = layout(op, ctx, 1);
    return [perExample(l.xk, l.T * l.W), perExample(l.z, l.W), perExample(l.h, l.T * l.U), perExample(l.dh, l.U), perExample(l.dz, l.T * l.W), perExample(l.dzt, l.W)];
  },
  forward(op, ctx, mode) {
    const l = layout(op, ctx, 1);
    const act = cellFunction(op.attrs.activation)!;
    const body = [
      ...inputProjection(l, ctx, mode, true),
      `for (let t = 0; t < ${l.T}; t++) {`,
      ...stepPreActivation(l, ctx, mode),
      `// h_t = ${act.name}(z)`,
      `for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) { const z = ${l.z}[b * ${l.U} + u]; ${l.h}[(t * batch + b) * ${l.U} + u] = ${act.expression("z", DEFAULT_ALPHA)}; }`,
      `}`,
      ...emitOutput(op, l, ctx, mode),
    ];
    return nodeStep(op.node, "forward", `${ctx.value(op.node.id, mode)} = simpleRNN(${ctx.value(l.x, mode)}): h_t = ${act.name}(x_t · K + h_{t-1} · R${l.bias ? " + b" : ""}) over ${l.T} steps`, body);
  },
  backward(op, ctx) {
    const l = layout(op, ctx, 1);
    const act = cellFunction(op.attrs.activation)!;
    const out = outputGradient(op, l, ctx);
    const h = `${l.h}[(t * batch + b) * ${l.U} + u]`;
    const body = [
      ...zeroRecurrentGradient(l, ctx),
      ...out.init,
      `for (let t = ${l.T - 1}; t >= 0; t--) {`,
      ...out.perStep,
      `// dz_t = dh · ${act.name}'(z), ${act.derivativeText}`,
      `for (let b = 0; b < batch; b++) for (let u = 0; u < ${l.U}; u++) ${l.dzt}[b * ${l.W} + u] = ${l.dh}[b * ${l.U} + u] * ${act.derivative!(h, "", DEFAULT_ALPHA)};`,
      ...stepRecurrentGradients(l, ctx),
      `}`,
      ...inputGradients(l, ctx),
    ];
    return nodeStep(op.node, "backward", `backpropagation through ${l.T} steps, from ${ctx.grad(op.node.id)}`, body);
  },
};

export const simpleRNN = recurrentRule(simpleRnnReference, simpleRnnLowering, false);
