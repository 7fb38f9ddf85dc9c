// The softmax on the WebAssembly SIMD module, compiled synchronously on first use. A call copies the
// rows to the start of the module's memory, transforms them there, and copies them to y. Rows whose
// width is a multiple of 4 go in and out with one TypedArray.set each; other rows are copied one by
// one to rows padded to a multiple of 4 with -Infinity (whose e^(x − max) is 0). Every view copied
// through is kept from call to call, so a call allocates nothing after the first of its shape. A bias
// goes after the rows, padded with zeros, and the kernel adds it to each row before its maximum.
//
// Where x and y lie in gemm's resident heap (a model's buffers, on hosts with worker threads) and the
// rows' width is a multiple of 4, gemm's module transforms y where it lies instead (x copied to y
// first when they differ), with no copy in or out, its rows shared with gemm's worker threads in
// bands (band-kernels.ts' softmaxBand: the same kernel, so the same bits).

import type { SoftmaxRows } from "./js-softmax";
import { ROW_FLOAT_MULTIPLE, softmaxKernelModule, type SoftmaxKernelExports } from "./softmax-kernel";
import { PrefixViews } from "../wasm/prefix-views";
import { ScratchMemory } from "../wasm/scratch-memory";
import { instantiateKernel } from "../wasm/instantiate";
import { hostWasm, type WasmApi } from "../wasm/wasm-api";
import { simdGemm } from "../gemm/gemm";
import type { SimdGemm } from "../gemm/simd-gemm";

const MULTIPLE = ROW_FLOAT_MULTIPLE;
/** Room for softmaxBand's arguments. */
const ARGS_BYTES = 16;
/** About what a float of a row costs, in multiply-adds: what gemm's threads weigh against handing a band over. */
const WORK_PER_FLOAT = 8;

export class SimdSoftmax {
  private readonly memory: ScratchMemory;
  /** The module's memory as floats, as of its last growth. */
  private scratch: Float32Array;
  private readonly inputs = new PrefixViews();
  private readonly outputs = new PrefixViews();
  private readonly biases = new PrefixViews();

  /** null where there is no WebAssembly, it has no SIMD, or the host forbids compiling (a browser's CSP). */
  static create(wasm: WasmApi | null = hostWasm()): SimdSoftmax | null {
    const kernel = instantiateKernel<SoftmaxKernelExports>(softmaxKernelModule(), wasm);
    const gemm = wasm === hostWasm() ? simdGemm() : null;
    return kernel && new SimdSoftmax(kernel, gemm?.residentHeap ? gemm : null);
  }

  private constructor(
    private readonly kernel: SoftmaxKernelExports,
    /** gemm's module on shared memory, for rows in its resident heap; null where there is none. */
    private readonly resident: SimdGemm | null,
  ) {
    this.memory = new ScratchMemory(kernel.memory);
    this.scratch = this.memory.floats(0);
  }

  readonly softmaxRows: SoftmaxRows = (x, y, rows, width, bias = null) => {
    if (rows === 0 || this.inPlace(x, y, rows, width, bias)) return;
    const padded = Math.ceil(width / MULTIPLE) * MULTIPLE;
    const floats = (bias ? rows + 1 : rows) * padded;
    if (floats > this.scratch.length) this.scratch = this.memory.floats(floats * Float32Array.BYTES_PER_ELEMENT);
    const biasAt = bias ? this.placeBias(bias, rows * padded, width, padded) : -1;
    if (padded === width) {
      this.scratch.set(this.inputs.of(x, rows * width));
      this.kernel.softmax(0, rows, padded, biasAt);
      y.set(this.outputs.of(this.scratch, rows * width));
      return;
    }
    for (let r = 0; r < rows; r++) {
      this.scratch.set(this.inputs.at(x, r * width, width), r * padded);
      this.scratch.fill(-Infinity, r * padded + width, (r + 1) * padded);
    }
    this.kernel.softmax(0, rows, padded, biasAt);
    for (let r = 0; r < rows; r++) y.set(this.outputs.at(this.scratch, r * padded, width), r * width);
  };

  /** The softmax on y where it lies in gemm's heap, on gemm's threads, when x and y lie there and rows need no padding; whether it ran. */
  private inPlace(x: Float32Array, y: Float32Array, rows: number, width: number, bias: Float32Array | null): boolean {
    const gemm = this.resident;
    const heap = gemm?.residentHeap;
    if (!heap || width % MULTIPLE !== 0) return false;
    const [xAt, yAt] = [heap.addressOf(x), heap.addressOf(y)];
    if (xAt < 0 || yAt < 0) return false;
    if (xAt !== yAt) y.set(this.inputs.of(x, rows * width));
    const argsAt = gemm!.firstFreeAddress;
    let biasAt = bias ? heap.addressOf(bias) : -1;
    if (bias && biasAt < 0) {
      biasAt = argsAt + ARGS_BYTES;
      gemm!.floats(biasAt + width * Float32Array.BYTES_PER_ELEMENT).set(this.biases.of(bias, width), biasAt / Float32Array.BYTES_PER_ELEMENT);
    }
    gemm!.writeArgs(argsAt, yAt, width, biasAt);
    gemm!.band("softmaxBand", argsAt, rows, width * WORK_PER_FLOAT);
    return true;
  }

  /** Copies the bias to float `at` of the scratch, zeros after it up to `padded`; its byte address. */
  private placeBias(bias: Float32Array, at: number, width: number, padded: number): number {
    this.scratch.set(this.biases.of(bias, width), at);
    this.scratch.fill(0, at + width, at + padded);
    return at * Float32Array.BYTES_PER_ELEMENT;
  }
}
