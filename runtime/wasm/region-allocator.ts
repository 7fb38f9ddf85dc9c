// First-fit allocation of byte regions above a start address, for the resident heap: a region is
// taken from the lowest free gap that fits, else from the top; a region given back merges with the
// free gaps beside it, and lowers the top when it ends there.

export interface Region {
  readonly at: number;
  readonly bytes: number;
}

export class RegionAllocator {
  private end: number;
  /** Free gaps below the top, by address, none adjacent to another. */
  private readonly free: Region[] = [];

  constructor(readonly start: number) {
    this.end = start;
  }

  /** The first byte past every region taken. */
  get top(): number {
    return this.end;
  }

  /** Bytes in regions taken and not given back. */
  get held(): number {
    return this.end - this.start - this.free.reduce((sum, r) => sum + r.bytes, 0);
  }

  take(bytes: number): Region {
    const index = this.free.findIndex((r) => r.bytes >= bytes);
    if (index === -1) {
      const region = { at: this.end, bytes };
      this.end += bytes;
      return region;
    }
    const found = this.free[index]!;
    if (found.bytes === bytes) this.free.splice(index, 1);
    else this.free[index] = { at: found.at + bytes, bytes: found.bytes - bytes };
    return { at: found.at, bytes };
  }

  giveBack({ at, bytes }: Region): void {
    const free = this.free;
    let index = free.findIndex((r) => r.at > at);
    if (index === -1) index = free.length;
    const next = free[index];
    if (next && at + bytes === next.at) {
      bytes += next.bytes;
      free.splice(index, 1);
    }
    const previous = free[index - 1];
    if (previous && previous.at + previous.bytes === at) {
      at = previous.at;
      bytes += previous.bytes;
      free.splice(--index, 1);
    }
    if (at + bytes === this.end) this.end = at;
    else free.splice(index, 0, { at, bytes });
  }
}
