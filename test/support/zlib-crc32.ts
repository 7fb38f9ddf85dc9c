// Node's own CRC-32 (zlib.crc32, Node 20.15 and later), the outside reference for the runtime's.
// Reached through a cast: the project's @types/node predates it.
import * as zlib from "node:zlib";

const crc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export function zlibCrc32(data: Uint8Array, value = 0): number {
  if (!crc32) throw new Error(`zlib.crc32 needs Node 20.15 or later; this is ${process.version}`);
  return crc32(data, value);
}
