// The fused training step of a dense stack on WebAssembly SIMD: forward pass, loss and every
// gradient in one call, for models the generated module describes as a DenseStack. The weights and
// gradients live in the module's memory (which never grows), as the model's own arrays; a step copies
// only the batch in and, when asked, the outputs out.

import type { KernelBuffers } from "../kernels";
import { instantiateKernel } from "../wasm/instantiate";
import { PrefixViews } from "../wasm/prefix-views";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";
import { denseStackWeightSizes, type DenseStack } from "./dense-stack";
import { denseStepLayout, type DenseStepLayout } from "./dense-step-layout";
import { denseStepModule, type DenseStepExports } from "./dense-step-module";
import { StepPart, stepTimer } from "../step-timing";

export class DenseStep {
  /** Every weight, in Keras order, in the module's memory. */
  readonly weights: Float32Array;
  /** Their gradients, laid out as the weights. */
  readonly grads: Float32Array;
  private readonly input: Float32Array;
  private readonly target: Float32Array;
  private readonly output: Float32Array;
  /** The step's finite slot: four floats summing to 0 when every gradient it stored is finite. */
  private readonly finite: Float32Array;
  private readonly sources = new PrefixViews();
  private readonly outputs = new PrefixViews();

  /** null where there is no WebAssembly with SIMD (the JavaScript kernels run then). `bytes`: the stack's module. */
  static create(stack: DenseStack, wasm: WasmApi | null = hostWasm(), bytes = moduleOf(stack)): DenseStep | null {
    const kernel = instantiateKernel<DenseStepExports>(bytes, wasm);
    return kernel && new DenseStep(kernel, denseStepLayout(stack));
  }

  private constructor(
    private readonly kernel: DenseStepExports,
    private readonly layout: DenseStepLayout,
  ) {
    const buffer = kernel.memory.buffer;
    const floats = (at: number, count: number) => new Float32Array(buffer, at, count);
    this.weights = floats(0, layout.weightFloats);
    this.grads = floats(layout.gradsOffset, layout.weightFloats);
    this.input = floats(layout.input, layout.capacity * layout.inputs);
    this.target = floats(layout.target, layout.capacity * layout.outputs);
    this.output = floats(layout.output, layout.capacity * layout.outputs);
    this.finite = floats(layout.finite, 4);
  }

  /** Whether every gradient the last step stored is finite (the step sums g·0 over them as it stores them). */
  gradientsFinite(): boolean {
    const f = this.finite;
    return f[0]! + f[1]! + f[2]! + f[3]! === 0;
  }

  /**
   * One step on the batch loaded in bufs: fills `grads` with the gradients of the mean loss and
   * returns the loss. `loaded`: the batch differs from the last step's (false skips copying it in).
   * `outputs`: copy the outputs into bufs.output (for metrics).
   */
  run(bufs: KernelBuffers, batch: number, loaded: boolean, outputs: boolean): number {
    const { layout } = this;
    if (batch > layout.capacity) return this.runInParts(bufs, batch);
    if (loaded) {
      this.input.set(this.sources.of(bufs.inputs[0] as Float32Array, batch * layout.inputs));
      this.target.set(this.sources.of(bufs.target, batch * layout.outputs));
    }
    const squares = this.step(batch, batch, 0);
    if (outputs) bufs.output.set(this.outputs.of(this.output, batch * layout.outputs));
    return squares / (batch * layout.outputs);
  }

  /** The module's step; timed as other kernels when the step timer is on. */
  private step(rows: number, batch: number, accumulate: 0 | 1): number {
    if (!stepTimer.enabled) return this.kernel.step(rows, batch, accumulate);
    return stepTimer.timed(StepPart.otherKernels, () => this.kernel.step(rows, batch, accumulate));
  }

    /** A batch larger than the memory's regions, a capacity's worth of examples at a time. */
  private runInParts(bufs: KernelBuffers, batch: number): number {
    const { layout } = this;
    const input = bufs.inputs[0] as Float32Array;
    let squares = 0;
    for (let from = 0; from < batch; from += layout.capacity) {
      const rows = Math.min(layout.capacity, batch - from);
      // subarrays allocate, but only here, for batches past the capacity (thousands of examples)
      this.input.set(input.subarray(from * layout.inputs, (from + rows) * layout.inputs));
      this.target.set(bufs.target.subarray(from * layout.outputs, (from + rows) * layout.outputs));
      squares += this.step(rows, batch, from === 0 ? 0 : 1);
      bufs.output.set(this.output.subarray(0, rows * layout.outputs), from * layout.outputs);
    }
    return squares / (batch * layout.outputs);
  }
}

/** Building a module takes about a millisecond; every model of a generated class shares its stack object, and so its bytes. */
const modules = new WeakMap<DenseStack, Uint8Array>();

function moduleOf(stack: DenseStack): Uint8Array {
  let bytes = modules.get(stack);
  if (!bytes) modules.set(stack, (bytes = denseStepModule(stack)));
  return bytes;
}

/** Checks that a model's weights are the stack's, in number and sizes, so that a step reads them right. */
export function checkDenseStackWeights(stack: DenseStack, sizes: readonly number[]): void {
  const expected = denseStackWeightSizes(stack);
  if (expected.length !== sizes.length || expected.some((size, i) => size !== sizes[i])) {
    throw new Error(`dense step: the model's weights have sizes [${sizes.join(", ")}], its dense stack needs [${expected.join(", ")}]; run typegrad gen`);
  }
}
