// Long-lived regions of a shared WebAssembly memory: arrays that JavaScript and the module's kernels
// both work on where they lie, so that a kernel call copies nothing in or out (a model's activations
// and gradients, an optimiser's weights and slots). A region belongs to an owner object and goes
// back to the heap when the owner is garbage-collected; it is handed out zeroed, as a new
// Float32Array would be.
//
// The regions lie from `start` up to `end`; everything past `end` is the kernels' scratch, whose
// layout each call plans anew from `end` (so `end` moves only between calls, when a region is
// allocated or given back). Only a shared memory has a heap: growing it leaves every earlier view
// valid (a growing memory that is not shared detaches them).

import { RegionAllocator, type Region } from "./region-allocator";
import type { ScratchMemory } from "./scratch-memory";

const ALIGNMENT = 64;
const alignUp = (bytes: number): number => Math.ceil(bytes / ALIGNMENT) * ALIGNMENT;

export class ResidentHeap {
  private readonly regions: RegionAllocator;
  /** Every buffer a view was made on (a shared memory gives a new one after each growth). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry = new FinalizationRegistry<Region>((region) => this.regions.giveBack(region));

  constructor(
    private readonly memory: ScratchMemory,
    start: number,
  ) {
    this.regions = new RegionAllocator(alignUp(start));
  }

  /** The first byte past every region: where the kernels' scratch begins. */
  get end(): number {
    return this.regions.top;
  }

  /** Bytes in regions now held (regions come back when their owners are collected). */
  get heldBytes(): number {
    return this.regions.held;
  }

  /** `count` zeroed floats that stay where they are until `owner` is garbage-collected. */
  floats(count: number, owner: object): Float32Array {
    const region = this.regions.take(alignUp(Math.max(count, 1) * Float32Array.BYTES_PER_ELEMENT));
    const buffer = this.memory.floats(this.regions.top).buffer;
    this.buffers.add(buffer);
    const view = new Float32Array(buffer, region.at, count);
    view.fill(0);
    this.registry.register(owner, region);
    return view;
  }

  /** The byte address of `array[offset]` when the array lies in the heap's regions, else -1 (a view of the scratch past them is not resident). */
  addressOf(array: ArrayBufferView, offset = 0): number {
    const inHeap = this.buffers.has(array.buffer) && array.byteOffset >= this.regions.start && array.byteOffset + array.byteLength <= this.regions.top;
    return inHeap ? array.byteOffset + offset * Float32Array.BYTES_PER_ELEMENT : -1;
  }
}
