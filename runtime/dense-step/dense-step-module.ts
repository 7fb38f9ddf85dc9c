// The WebAssembly SIMD module of a dense stack's training step: one function,
//
//   step(rows, batch, accumulate) -> the sum of the squared errors
//
// which runs the forward pass, the squared errors and the backward pass for the first `rows`
// examples of the input and target regions (dense-step-layout.ts), writes their outputs, and stores
// every weight's gradient of the mean squared error over `batch` examples, summed over the rows (added
// to the gradients already stored when accumulate is 1: a batch larger than the regions runs in parts),
// and in the finite slot whether every gradient it stored is finite.
//
// The examples go four at a time, one per lane: every value of the network is an f32x4 vector of four
// examples, so every instruction does four examples' work whatever the layer widths, and a layer's
// weights are splatted scalars. The model is unrolled at build time. A group of fewer than four
// examples (the batch's last) computes the missing lanes from whatever the regions hold there, then
// zeroes their errors, so they add nothing to the loss or to any gradient. Arithmetic is float32
// throughout. The sigmoid is the sigmoid kernel's function (within 2 ulps), in this module, run on a
// layer's units stored for it: one copy of its long instruction sequence keeps the module small.

import { sigmoidFunction, STEP_FLOATS as SIGMOID_STEP_FLOATS } from "../activations/sigmoid-kernel";
import type { GrowableMemory } from "../wasm/scratch-memory";
import { SYNC_COMPILE_LIMIT_BYTES } from "../wasm/instantiate";
import { ModuleBuilder, i32Params, type FunctionBuilder } from "../wasm/wasm-assembler";
import type { DenseStack } from "./dense-stack";
import { denseStepLayout, EXAMPLES_PER_VECTOR, FLOAT_BYTES, VECTOR_BYTES, type DenseLayerLayout, type DenseStepLayout } from "./dense-step-layout";

// locals: layer l's unit u, its upstream gradient, its bias' and its kernel's (row i) summed gradients
const unit = (l: number, u: number): string => `h${l}_${u}`;
const upstream = (l: number, u: number): string => `dh${l}_${u}`;
const biasGrad = (l: number, u: number): string => `db${l}_${u}`;
const kernelGrad = (l: number, i: number, u: number): string => `dw${l}_${i}_${u}`;
const firstInput = (i: number): string => `x${i}`;

const bytesOfLanes = (lanes: readonly number[]): number[] => lanes.flatMap((lane) => [0, 1, 2, 3].map((b) => lane * 4 + b));
const i32x4Bytes = (values: readonly number[]): number[] => values.flatMap((v) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff]);

class StepWriter {
  private readonly last: number;

  constructor(
    private readonly f: FunctionBuilder,
    private readonly layout: DenseStepLayout,
  ) {
    this.last = layout.layers.length - 1;
  }

  declareLocals(): void {
    const { f, layout } = this;
    for (const name of ["input", "target", "output", "end", "left", "sum", "grad"]) f.local(name, "i32");
    for (let i = 0; i < layout.inputs; i++) f.local(firstInput(i), "v128");
    layout.layers.forEach((layer, l) => {
      for (let u = 0; u < layer.units; u++) {
        f.local(unit(l, u), "v128").local(upstream(l, u), "v128");
        if (layer.bias !== null) f.local(biasGrad(l, u), "v128");
        for (let i = 0; i < layer.inputs; i++) f.local(kernelGrad(l, i, u), "v128");
      }
    });
    for (const name of ["loss", "scale", "zero", "one", "valid", "keep", "pairsAB", "pairsCD", "finite"]) f.local(name, "v128");
  }

  prologue(): void {
    const { f, layout } = this;
    // scale = 2 / (batch · outputs): the gradient of the mean over batch · outputs squares
    f.op("f32.const", 2).get("batch").i32(layout.outputs).op("i32.mul").op("f32.convert_i32_s").op("f32.div").op("f32x4.splat").set("scale");
    f.op("f32.const", 1).op("f32x4.splat").set("one");
    // keep: all ones when adding to the stored gradients, else zero
    f.i32(0).get("accumulate").op("i32.sub").op("i32x4.splat").set("keep");
    f.i32(layout.input).set("input").i32(layout.target).set("target").i32(layout.output).set("output");
    f.get("input").get("rows").i32(layout.inputs * FLOAT_BYTES).op("i32.mul").op("i32.add").set("end");
    f.get("rows").set("left");
  }

  /** Leaves the four examples' values of column `column` of a row-major region (rows of `width`) on the stack. */
  private gather(base: string, width: number, column: number): void {
    const { f } = this;
    f.get(base).op("v128.load32_splat", column * FLOAT_BYTES);
    for (let lane = 1; lane < EXAMPLES_PER_VECTOR; lane++) f.get(base).op("f32.load", (lane * width + column) * FLOAT_BYTES).op("f32x4.replace_lane", lane);
  }

  /** The i-th input of layer l (the four examples' values), on the stack. */
  private input(l: number, i: number): void {
    this.f.get(l === 0 ? firstInput(i) : unit(l - 1, i));
  }

  /** The splatted weight at byte address `at`, on the stack. */
  private weight(at: number): void {
    this.f.i32(0).op("v128.load32_splat", at);
  }

  private forward(l: number, layer: DenseLayerLayout): void {
    const { f } = this;
    for (let u = 0; u < layer.units; u++) {
      if (layer.bias !== null) this.weight(layer.bias + u * FLOAT_BYTES);
      else f.get("zero");
      for (let i = 0; i < layer.inputs; i++) {
        this.input(l, i);
        this.weight(layer.kernel + (i * layer.units + u) * FLOAT_BYTES);
        f.op("f32x4.mul").op("f32x4.add");
      }
      f.set(unit(l, u));
    }
    const units = Array.from({ length: layer.units }, (_, u) => unit(l, u));
    if (layer.activation === "sigmoid") this.sigmoid(units);
    if (layer.activation === "relu") for (const h of units) f.get(h).get("zero").op("f32x4.pmax").set(h);
  }

  /** σ of the vectors in `units`, through the activations region and the sigmoid function. */
  private sigmoid(units: readonly string[]): void {
    const { f, layout } = this;
    const at = (u: number): number => layout.activations + u * VECTOR_BYTES;
    units.forEach((h, u) => f.i32(0).get(h).op("v128.store", at(u)));
    const floats = Math.ceil((units.length * EXAMPLES_PER_VECTOR) / SIGMOID_STEP_FLOATS) * SIGMOID_STEP_FLOATS;
    f.i32(layout.activations).i32(floats).call("sigmoid");
    units.forEach((h, u) => f.i32(0).op("v128.load", at(u)).set(h));
  }

  /** Outputs stored; errors of the valid examples added squared to the loss, and scaled into the last layer's upstream. */
  private errors(): void {
    const { f, layout, last } = this;
    const lanes = [0, 1, 2, 3];
    f.get("left").op("i32x4.splat").op("v128.const", i32x4Bytes(lanes)).op("i32x4.gt_s").set("valid");
    for (let u = 0; u < layout.outputs; u++) {
      for (const lane of lanes) f.get("output").get(unit(last, u)).op("f32x4.extract_lane", lane).op("f32.store", (lane * layout.outputs + u) * FLOAT_BYTES);
      const error = upstream(last, u);
      f.get(unit(last, u));
      this.gather("target", layout.outputs, u);
      f.op("f32x4.sub").get("valid").op("v128.and").set(error);
      f.get("loss").get(error).get(error).op("f32x4.mul").op("f32x4.add").set("loss");
      f.get(error).get("scale").op("f32x4.mul").set(error);
    }
  }

  private backward(l: number, layer: DenseLayerLayout): void {
    const { f } = this;
    for (let u = 0; u < layer.units; u++) {
      const [h, up] = [unit(l, u), upstream(l, u)];
      // the activation's derivative from its output: σ' = σ(1 - σ), relu' = [h > 0]
      if (layer.activation === "sigmoid") f.get(up).get(h).op("f32x4.mul").get("one").get(h).op("f32x4.sub").op("f32x4.mul").set(up);
      if (layer.activation === "relu") f.get(up).get(h).get("zero").op("f32x4.gt").op("v128.and").set(up);
      if (layer.bias !== null) f.get(biasGrad(l, u)).get(up).op("f32x4.add").set(biasGrad(l, u));
      for (let i = 0; i < layer.inputs; i++) {
        f.get(kernelGrad(l, i, u));
        this.input(l, i);
        f.get(up).op("f32x4.mul").op("f32x4.add").set(kernelGrad(l, i, u));
      }
    }
    if (l === 0) return;
    // the previous layer's upstream: Σ_u up[u] · W[i, u]
    for (let i = 0; i < layer.inputs; i++) {
      for (let u = 0; u < layer.units; u++) {
        f.get(upstream(l, u));
        this.weight(layer.kernel + (i * layer.units + u) * FLOAT_BYTES);
        f.op("f32x4.mul");
        if (u > 0) f.op("f32x4.add");
      }
      f.set(upstream(l - 1, i));
    }
  }

  rows(): void {
    const { f, layout } = this;
    const advance = (pointer: string, width: number) => f.increment(pointer, () => f.i32(EXAMPLES_PER_VECTOR * width * FLOAT_BYTES));
    f.doWhile(
      () => {
        for (let i = 0; i < layout.inputs; i++) {
          this.gather("input", layout.inputs, i);
          f.set(firstInput(i));
        }
        layout.layers.forEach((layer, l) => this.forward(l, layer));
        this.errors();
        for (let l = this.last; l >= 0; l--) this.backward(l, layout.layers[l]!);
        advance("input", layout.inputs);
        advance("target", layout.outputs);
        advance("output", layout.outputs);
        f.increment("left", () => f.i32(-EXAMPLES_PER_VECTOR));
      },
      () => f.get("input").get("end").op("i32.lt_u"),
    );
  }

  /** Each gradient's four lanes added up and stored (added to the stored gradients when accumulating). */
  storeGradients(unrolled: boolean): void {
    const { layout } = this;
    const sums = layout.layers.flatMap((layer, l) => {
      const kernel = Array.from({ length: layer.inputs * layer.units }, (_, k) => kernelGrad(l, Math.floor(k / layer.units), k % layer.units));
      const bias = layer.bias === null ? [] : Array.from({ length: layer.units }, (_, u) => biasGrad(l, u));
      return [...kernel, ...bias];
    });
    const padded = Array.from({ length: layout.sumGroups * EXAMPLES_PER_VECTOR }, (_, k) => sums[k] ?? "zero");
    if (unrolled) this.addLanesUnrolled(padded);
    else this.addLanesInLoop(padded);
  }

  /**
   * Four gradients at a time, in their order in memory, so that each store fills the next four (the
   * last may write up to three zeros into the slack): the fastest, and the longest code.
   */
  private addLanesUnrolled(sums: readonly string[]): void {
    const { f, layout } = this;
    for (let k = 0; k < sums.length; k += EXAMPLES_PER_VECTOR) {
      const local = (j: number) => () => f.get(sums[k + j]!);
      this.fourTotals(local(0), local(1), local(2), local(3), () => f.i32(0), layout.gradsOffset + k * FLOAT_BYTES);
    }
  }

  /** The same through memory: the sums stored in the sums region, then a loop over groups of four. Short code. */
  private addLanesInLoop(sums: readonly string[]): void {
    const { f, layout } = this;
    sums.forEach((local, k) => f.i32(0).get(local).op("v128.store", layout.sums + k * VECTOR_BYTES));
    f.i32(layout.sums).set("sum").i32(layout.gradsOffset).set("grad");
    const vector = (j: number) => () => f.get("sum").op("v128.load", j * VECTOR_BYTES);
    f.doWhile(
      () => {
        this.fourTotals(vector(0), vector(1), vector(2), vector(3), () => f.get("grad"), 0);
        f.increment("sum", () => f.i32(EXAMPLES_PER_VECTOR * VECTOR_BYTES));
        f.increment("grad", () => f.i32(VECTOR_BYTES));
      },
      () => f.get("sum").i32(layout.sums + sums.length * VECTOR_BYTES).op("i32.lt_u"),
    );
  }

  /** [Σa, Σb, Σc, Σd] (plus what is stored there when accumulating) stored at address() + offset. */
  private fourTotals(a: () => void, b: () => void, c: () => void, d: () => void, address: () => void, offset: number): void {
    const { f } = this;
    // [a0+a1, a2+a3, b0+b1, b2+b3] and the same of c, d; then those pairs added
    this.pairSums(a, b);
    f.set("pairsAB");
    this.pairSums(c, d);
    f.set("pairsCD");
    address();
    f.get("pairsAB").get("pairsCD").op("i8x16.shuffle", bytesOfLanes([0, 2, 4, 6]));
    f.get("pairsAB").get("pairsCD").op("i8x16.shuffle", bytesOfLanes([1, 3, 5, 7])).op("f32x4.add");
    address();
    f.op("v128.load", offset).get("keep").op("v128.and").op("f32x4.add");
    f.op("v128.store", offset);
    // finite += stored · 0: ±0 while every stored gradient is finite, NaN from the first that is not
    address();
    f.op("v128.load", offset).get("zero").op("f32x4.mul").get("finite").op("f32x4.add").set("finite");
  }

  /** The gradients' finiteness, as storeGradients summed it, to the layout's finite slot. */
  storeFiniteness(): void {
    const { f, layout } = this;
    f.i32(0).get("finite").op("v128.store", layout.finite);
  }

  private pairSums(a: () => void, b: () => void): void {
    const { f } = this;
    a();
    b();
    f.op("i8x16.shuffle", bytesOfLanes([0, 2, 4, 6]));
    a();
    b();
    f.op("i8x16.shuffle", bytesOfLanes([1, 3, 5, 7])).op("f32x4.add");
  }

  /** The sum of the valid examples' squared errors. */
  returnLoss(): void {
    const { f } = this;
    f.get("loss").op("f32x4.extract_lane", 0);
    for (let lane = 1; lane < EXAMPLES_PER_VECTOR; lane++) f.get("loss").op("f32x4.extract_lane", lane).op("f32.add");
  }
}

/**
 * The module's bytes; its memory is the layout's, and does not grow. The gradients' lanes are added
 * up in unrolled code when the module stays under `sizeLimit` bytes that way, else in a loop.
 */
export function denseStepModule(stack: DenseStack, sizeLimit = SYNC_COMPILE_LIMIT_BYTES): Uint8Array {
  const unrolled = buildModule(stack, true);
  return unrolled.length < sizeLimit ? unrolled : buildModule(stack, false);
}

function buildModule(stack: DenseStack, unrolledSums: boolean): Uint8Array {
  const layout = denseStepLayout(stack);
  const module = new ModuleBuilder(layout.pages);
  if (layout.layers.some((layer) => layer.activation === "sigmoid")) sigmoidFunction(module, false);
  const f = module.function("step", i32Params("rows", "batch", "accumulate"), ["f32"], true);
  const writer = new StepWriter(f, layout);
  writer.declareLocals();
  writer.prologue();
  writer.rows();
  writer.storeGradients(unrolledSums);
  writer.storeFiniteness();
  writer.returnLoss();
  return module.encode();
}

export interface DenseStepExports {
  readonly memory: GrowableMemory;
  /** The sum of the squared errors of the rows; rows must be at least 1 and at most the layout's capacity. */
  step(rows: number, batch: number, accumulate: 0 | 1): number;
}
