import { zlibCrc32 } from "../support/zlib-crc32";
import { describe, expect, it } from "vitest";
import { crc32, crc32Hex } from "../../runtime/crc32";
import { Random } from "../../runtime/random";

// The runtime's CRC-32 (plain TypeScript, no Node module) against published check values and
// against zlib's, which Node ships.

const ascii = (text: string) => new TextEncoder().encode(text);

describe("crc32", () => {
  it("gives the published check values", () => {
    // "123456789": the check value of CRC-32/ISO-HDLC in Greg Cook's catalogue of CRC algorithms;
    // the pangram's is the one commonly quoted for zlib's crc32; 32 zero bytes as zlib computes them.
    expect(crc32Hex(crc32(ascii("123456789")))).toBe("cbf43926");
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32Hex(crc32(new Uint8Array(32)))).toBe("190a55ad");
    expect(crc32Hex(crc32(ascii("The quick brown fox jumps over the lazy dog")))).toBe("414fa339");
  });

  it("equals zlib's on every length from 0 to 100 and on a few large buffers, at any alignment", () => {
    const random = new Random(3);
    const bytes = new Uint8Array(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = random.nextUint32() & 0xff;
    for (let n = 0; n <= 100; n++) {
      for (const offset of [0, 1, 5]) expect(crc32(bytes.subarray(offset, offset + n)), `${n} bytes at ${offset}`).toBe(zlibCrc32(bytes.subarray(offset, offset + n)));
    }
    for (const n of [4093, 65536, bytes.length - 3]) expect(crc32(bytes.subarray(3, 3 + n))).toBe(zlibCrc32(bytes.subarray(3, 3 + n)));
  });

  it("continues a previous value, as zlib's crc32(data, value)", () => {
    const bytes = ascii("a checksum computed in two parts");
    expect(crc32(bytes.subarray(11), crc32(bytes.subarray(0, 11)))).toBe(crc32(bytes));
    expect(crc32(bytes.subarray(11), crc32(bytes.subarray(0, 11)))).toBe(zlibCrc32(bytes.subarray(11), zlibCrc32(bytes.subarray(0, 11))));
  });

  it("changes with any single flipped bit", () => {
    const bytes = ascii("weights: 0.3 0.4 0.25 0.35");
    const seen = new Set([crc32(bytes)]);
    for (let i = 0; i < bytes.length * 8; i++) {
      const flipped = bytes.slice();
      flipped[i >> 3] ^= 1 << (i & 7);
      seen.add(crc32(flipped));
    }
    expect(seen.size).toBe(bytes.length * 8 + 1);
  });
});
