// lstm, generated, gates i, f, c, o (Keras' order): c_t = f·c_{t-1} + i·g, h_t = o·act(c_t). The gates
// tape starts as every step's x·K + b; the step's recurrent product is added onto its block, and each
// gate's value replaces its pre-activation.
// Masked (see cell.ts): a padded step keeps c_{t-1} and h_{t-1}, and its dh and dc pass to the step before.

import type { RecurrentAttrs } from "./cell.reference";
import { lstmReference } from "./lstm.reference";
import { DEFAULT_ALPHA } from "../activation-table";
import { nodeStep, type OpRule } from "../rule";
import { recurrentRule, inputName, carry, cellFunction, emitOutput, inputGradients, inputProjection, layout, outputGradient, perExample, refuse, inputRow, skipPadded, stepMask, stepCarriedGradient, recurrentKernelGradient, stepRecurrentProduct, storeStepGradient, wholeLoopInRuntime, gradientsInTheWalk, projectionInTheWalk, stepMajorInput, weightsHaveOneWriter, type Layout, type Op } from "./cell";

/** Whether the runtime walks the steps in one call: Keras' functions (sigmoid gates, tanh), and wholeLoopInRuntime. */
const walkedInRuntime = (op: Op, l: Layout, pass: "forward" | "backward"): boolean =>
  op.attrs.recurrentActivation === "sigmoid" && op.attrs.activation === "tanh" && wholeLoopInRuntime(op, l, pass);

const lstmLowering: Pick<OpRule<RecurrentAttrs>, "refuse" | "buffers" | "forward" | "backward"> = {
  refuse: (op) => refuse(op, "lstm"),
  buffers(op, ctx) {
    const l = layout(op, ctx, 4);
    return [
      perExample(l.xt, l.T * l.F),
      perExample(l.dxt, l.T * l.F),
      perExample(l.h, l.T * l.U),
      perExample(l.c, l.T * l.U),
      perExample(l.gates, l.T * l.W),
      perExample(l.actC, l.T * l.U),
      perExample(l.dh, l.U),
      perExample(l.dc, l.U),
      ...(walkedInRuntime(op, l, "backward") && weightsHaveOneWriter(l, ctx) ? [] : [perExample(l.dz, l.T * l.W)]),
    ];
  },
  forward(op, ctx, mode) {
    const l = layout(op, ctx, 4);
    const act = cellFunction(op.attrs.activation)!;
    const rec = cellFunction(op.attrs.recurrentActivation)!;
    const { U, W } = l;
    const vectorGates = rec.name === "sigmoid" && act.name === "tanh";
    // lstmGates adds the bias as it applies the gates; otherwise the input projection does
    const bias = vectorGates && l.bias ? ctx.value(l.bias, mode) : null;
    const pre = (column: string) => `${l.gates}[gRow + ${column}]`;
    // Keras' sigmoid and tanh gates go to the runtime's lstmGates over the step's whole block; other functions are computed per unit in the cell's loop
    const gates = vectorGates
      ? {
          before: [
            `// z = ${l.gates}[t]${bias ? ` + ${bias}` : ""}; i, f, o = sigmoid(z_i, z_f, z_o), g = tanh(z_c), in place over the step's [batch, ${W}] block at once (WebAssembly SIMD where the host has it and 4 divides the units)`,
            `lstmGates(${l.gates}, t * batch * ${W}, batch, ${U}${bias ? `, ${bias}` : ""});`,
          ],
          read: [`const i = ${l.gates}[gRow + u], f = ${l.gates}[gRow + ${U} + u], g = ${l.gates}[gRow + ${2 * U} + u], o = ${l.gates}[gRow + ${3 * U} + u];`], write: [] }
      : {
          before: [],
          read: [
            `const zi = ${pre("u")}, zf = ${pre(`${U} + u`)}, zc = ${pre(`${2 * U} + u`)}, zo = ${pre(`${3 * U} + u`)};`,
            `const i = ${rec.expression("zi", DEFAULT_ALPHA)};`,
            `const f = ${rec.expression("zf", DEFAULT_ALPHA)};`,
            `const g = ${act.expression("zc", DEFAULT_ALPHA)};`,
            `const o = ${rec.expression("zo", DEFAULT_ALPHA)};`,
          ],
          write: [`${l.gates}[gRow + u] = i;`, `${l.gates}[gRow + ${U} + u] = f;`, `${l.gates}[gRow + ${2 * U} + u] = g;`, `${l.gates}[gRow + ${3 * U} + u] = o;`],
        };
    // unmasked Keras gates: the gates and the cell in one call of the runtime's lstmCellForward
    const wholeStep = [
      `// z = ${l.gates}[t]${bias ? ` + ${bias}` : ""}; i, f, o = sigmoid(z_i, z_f, z_o), g = tanh(z_c), kept in ${l.gates}[t]; c_t = f · c_{t-1} + i · g; h_t = o · tanh(c_t): over the step's [batch, ${W}] block at once (WebAssembly SIMD where the host has it and 4 divides the units)`,
      `lstmCellForward(${l.gates}, ${l.c}, ${l.actC}, ${l.h}, ${bias ?? "null"}, t, batch, ${U});`,
    ];
    const cellLoop = [
      ...gates.before,
      vectorGates
        ? `// c_t = f · c_{t-1} + i · g; h_t = o · ${act.name}(c_t)${l.mask ? "; a padded step keeps c_{t-1} and h_{t-1}" : ""}`
        : `// z = ${l.gates}[t]; i, f, o = ${rec.name}(z_i, z_f, z_o); g = ${act.name}(z_c), kept in ${l.gates}[t]; c_t = f · c_{t-1} + i · g; h_t = o · ${act.name}(c_t)${l.mask ? "; a padded step keeps c_{t-1} and h_{t-1}" : ""}`,
      `for (let b = 0; b < batch; b++) {`,
      `const gRow = (t * batch + b) * ${W};`,
      ...stepMask(l),
      `for (let u = 0; u < ${U}; u++) {`,
      ...gates.read,
      `const s = (t * batch + b) * ${U} + u;`,
      `const c = f * (t > 0 ? ${l.c}[s - batch * ${U}] : 0) + i * g;`,
      `const a = ${act.expression("c", DEFAULT_ALPHA)};`,
      ...gates.write,
      `${l.c}[s] = ${carry(l, l.c, "c")};`,
      `${l.actC}[s] = a;`,
      `${l.h}[s] = ${carry(l, l.h, "o * a")};`,
      `}`,
      `}`,
    ];
    const recurrent = ctx.value(l.recurrent, mode);
    // unmasked Keras gates with a product for gemm: the whole loop over time in one call of the runtime's lstmSequenceForward
    const whole = walkedInRuntime(op, l, "forward");
    const projection = projectionInTheWalk(l, ctx, mode, l.gates, true);
    const wholeLoop = [
      projection.comment,
      `// for t = 0 … ${l.T - 1}: ${l.gates}[t] += h_{t-1} · ${recurrent} (none at t = 0), then the step's gates and cell as lstmCellForward does:`,
      `// z = ${l.gates}[t]${bias ? ` + ${bias}` : ""}; i, f, o = sigmoid(z_i, z_f, z_o), g = tanh(z_c), kept in ${l.gates}[t]; c_t = f · c_{t-1} + i · g; h_t = o · tanh(c_t)`,
      `// the whole loop in one call (where the host allows it, the tapes kept in WebAssembly memory and the batch walked in bands of rows on gemm's threads)`,
      `lstmSequenceForward(${l.gates}, ${l.c}, ${l.actC}, ${l.h}, ${recurrent}, ${bias ?? "null"}, ${l.T}, batch, ${U}, ${projection.args});`,
    ];
    const steps = [`for (let t = 0; t < ${l.T}; t++) {`, ...stepRecurrentProduct(l, ctx, mode, l.gates), ...(vectorGates && !l.mask ? wholeStep : cellLoop), `}`];
    const body = [
      ...(whole ? [...stepMajorInput(l, ctx, mode), ...wholeLoop] : [...inputProjection(l, ctx, mode, l.gates, vectorGates), ...steps]),
      ...emitOutput(op, l, ctx, mode),
    ];
    return nodeStep(op.node, "forward", `${ctx.value(op.node.id, mode)} = lstm(${inputName(l, ctx, mode)}) over ${l.T} steps, gates i, f, c, o`, body);
  },
  backward(op, ctx) {
    const l = layout(op, ctx, 4);
    const act = cellFunction(op.attrs.activation)!;
    const rec = cellFunction(op.attrs.recurrentActivation)!;
    const { U, W } = l;
    const out = outputGradient(op, l, ctx);
    // Keras' sigmoid and tanh without a mask: the runtime's lstmCellBackward over the step's whole block; otherwise a loop per unit
    const vectorKernel = rec.name === "sigmoid" && act.name === "tanh" && !l.mask;
    // what a step's backward through the cell and gates takes, the same whether one call does a step or the whole walk
    const cellDerivatives = [
      `// h = o · a, a = tanh(c): do = dh · a, dc += dh · o · tanh'(c); c = f · c_{t-1} + i · g: di = dc · g, df = dc · c_{t-1}, dg = dc · i, dc_{t-1} = dc · f`,
      `// dz of each gate: its gradient times its function's derivative (${rec.derivativeText} for i, f, o), over the step's [batch, ${W}] block at once (WebAssembly SIMD where the host has it and 4 divides the units)`,
    ];
    const cellKernel = [
      ...cellDerivatives,
      `lstmCellBackward(${l.gates}, ${l.actC}, ${l.c}, ${l.dh}, ${l.dc}, ${l.dz}, t, batch, ${U});`,
    ];
    const cellLoop = [
      `// h = o · a, a = ${act.name}(c): do = dh · a, dc += dh · o · ${act.name}'(c)`,
      `// c = f · c_{t-1} + i · g: di = dc · g, df = dc · c_{t-1}, dg = dc · i, dc_{t-1} = dc · f`,
      `// dz of each gate: its gradient times its function's derivative (${rec.derivativeText} for i, f, o)`,
      `for (let b = 0; b < batch; b++) {`,
      inputRow(l),
      ...skipPadded(l),
      `for (let u = 0; u < ${U}; u++) {`,
      `const s = (t * batch + b) * ${U} + u;`,
      `const i = ${l.gates}[xRow + u], f = ${l.gates}[xRow + ${U} + u], g = ${l.gates}[xRow + ${2 * U} + u], o = ${l.gates}[xRow + ${3 * U} + u];`,
      `const a = ${l.actC}[s];`,
      `const cPrev = t > 0 ? ${l.c}[s - batch * ${U}] : 0;`,
      `const dh = ${l.dh}[b * ${U} + u];`,
      `const dc = ${l.dc}[b * ${U} + u] + dh * o * ${act.derivative!("a", "", DEFAULT_ALPHA)};`,
      storeStepGradient(l, "u", `dc * g * ${rec.derivative!("i", "", DEFAULT_ALPHA)}`),
      storeStepGradient(l, `${U} + u`, `dc * cPrev * ${rec.derivative!("f", "", DEFAULT_ALPHA)}`),
      storeStepGradient(l, `${2 * U} + u`, `dc * i * ${act.derivative!("g", "", DEFAULT_ALPHA)}`),
      storeStepGradient(l, `${3 * U} + u`, `dh * a * ${rec.derivative!("o", "", DEFAULT_ALPHA)}`),
      `${l.dc}[b * ${U} + u] = dc * f;`,
      ...(l.mask ? [`// dh is spent on this step: dh_{t-1} is added to 0 by the product below`, `${l.dh}[b * ${U} + u] = 0;`] : []),
      `}`,
      `}`,
    ];
    const recurrent = ctx.value(l.recurrent, "train");
    const whole = walkedInRuntime(op, l, "backward");
    const inTheWalk = whole ? gradientsInTheWalk(l, ctx) : null;
    const wholeLoop = [
      `// for t = ${l.T - 1} … 0: the step's cell and gates backward as lstmCellBackward does, into ${inTheWalk ? "dZ" : l.dz}[t] and ${l.dc}; then ${l.dh} = dz_t · ${recurrent}ᵀ, the gradient carried to step t - 1 (not at t = 0)`,
      `// the whole loop in one call (where the host allows it, the tapes kept in WebAssembly memory and the batch walked in bands of rows on gemm's threads)`,
      ...(inTheWalk ? [inTheWalk.comment] : []),
      `lstmSequenceBackward(${l.gates}, ${l.actC}, ${l.c}, ${l.dh}, ${l.dc}, ${inTheWalk ? "null" : l.dz}, ${recurrent}, ${l.T}, batch, ${U}${inTheWalk ? `, ${l.h}, ${inTheWalk.args}` : ""});`,
    ];
    const steps = [`for (let t = ${l.T - 1}; t >= 0; t--) {`, ...out.perStep, ...(vectorKernel ? cellKernel : cellLoop), ...stepCarriedGradient(l, ctx), `}`];
    const body = [
      ...out.init,
      `for (let i = 0; i < batch * ${U}; i++) ${l.dc}[i] = 0;`,
      ...(whole ? [...cellDerivatives, ...wholeLoop] : steps),
      ...(inTheWalk ? inTheWalk.after : [...recurrentKernelGradient(l, ctx), ...inputGradients(l, ctx)]),
    ];
    return nodeStep(op.node, "backward", `backpropagation through ${l.T} steps, from ${ctx.grad(op.node.id)}`, body);
  },
};

export const lstm = recurrentRule(lstmReference, lstmLowering, true);
