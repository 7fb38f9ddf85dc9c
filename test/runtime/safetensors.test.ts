import { zlibCrc32 } from "../support/zlib-crc32";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../../runtime/safetensors";

const TENSORS: NamedTensor[] = [
  { name: "dense_1_kernel", shape: [2, 3], data: Float32Array.of(0.1, -0.2, 0.3, 1e-30, -1e30, Math.PI) },
  { name: "dense_1_bias", shape: [3], data: Float32Array.of(0, -0, 1) },
  { name: "scalar", shape: [], data: Float32Array.of(42) },
  { name: "empty", shape: [0, 4], data: new Float32Array(0) },
];
const METADATA = { format: "typegrad", model: "Xor", note: "ünïcödé ✓" };

const headerLength = (bytes: Uint8Array) => Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
const headerOf = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength(bytes))));

/** A file with the given header object and data bytes (the header padded to 8 bytes). */
function fileWith(header: unknown, data: Uint8Array): Uint8Array {
  let json = JSON.stringify(header);
  while (new TextEncoder().encode(json).length % 8) json += " ";
  const head = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + head.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(head.length), true);
  bytes.set(head, 8);
  bytes.set(data, 8 + head.length);
  return bytes;
}

/** The file TENSORS make, with its header edited. */
function edited(edit: (header: Record<string, any>) => void, extraData = 0): Uint8Array {
  const bytes = encodeSafetensors(TENSORS, METADATA);
  const header = headerOf(bytes);
  edit(header);
  const data = bytes.subarray(8 + headerLength(bytes));
  const grown = new Uint8Array(data.length + extraData);
  grown.set(data);
  return fileWith(header, grown);
}

describe("safetensors: writing", () => {
  it("lays the file out as the format says", () => {
    const bytes = encodeSafetensors(TENSORS, METADATA);
    const n = headerLength(bytes);
    expect(n % 8).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text).toMatch(/^\{.*\} *$/);
    const header = headerOf(bytes);
    expect(header.__metadata__).toEqual(METADATA);
    expect(header.dense_1_kernel).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    expect(header.dense_1_bias).toEqual({ dtype: "F32", shape: [3], data_offsets: [24, 36] });
    expect(header.scalar).toEqual({ dtype: "F32", shape: [], data_offsets: [36, 40] });
    expect(header.empty).toEqual({ dtype: "F32", shape: [0, 4], data_offsets: [40, 40] });
    expect(bytes.length).toBe(8 + n + 40);
    // Raw little-endian float32: 0.1f is 0x3dcccccd.
    expect([...bytes.subarray(8 + n, 8 + n + 4)]).toEqual([0xcd, 0xcc, 0xcc, 0x3d]);
  });

  it("writes an empty file of tensors", () => {
    const bytes = encodeSafetensors([]);
    expect(headerOf(bytes)).toEqual({ __metadata__: {} });
    expect(decodeSafetensors(bytes)).toEqual({ tensors: [], metadata: {} });
  });

  it("reads tensors from views into larger buffers", () => {
    const buffer = new Float32Array([9, 1, 2, 3, 9]);
    const bytes = encodeSafetensors([{ name: "w", shape: [3], data: buffer.subarray(1, 4) }]);
    expect([...decodeSafetensors(bytes).tensors[0]!.data]).toEqual([1, 2, 3]);
  });

  it("refuses what it cannot write", () => {
    const t = (name: string, shape: number[], n: number): NamedTensor => ({ name, shape, data: new Float32Array(n) });
    expect(() => encodeSafetensors([t("a", [2, 2], 3)])).toThrow(/"a" has 3 values for shape \[2, 2\]/);
    expect(() => encodeSafetensors([t("a", [1], 1), t("a", [1], 1)])).toThrow(/"a" is used twice/);
    expect(() => encodeSafetensors([t("__metadata__", [1], 1)])).toThrow(/is reserved/);
    expect(() => encodeSafetensors([t("a", [-1], 1)])).toThrow(/invalid shape/);
    expect(() => encodeSafetensors([], { n: 3 as unknown as string })).toThrow(/metadata "n" must be a string/);
  });
});

describe("safetensors: round trip", () => {
  it("gives back the tensors, bit for bit, and the metadata", () => {
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors(TENSORS, METADATA));
    expect(metadata).toEqual(METADATA);
    expect(tensors.map((t) => t.name)).toEqual(TENSORS.map((t) => t.name));
    tensors.forEach((t, i) => {
      expect(t.shape).toEqual(TENSORS[i]!.shape);
      expect(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)).toEqual(new Uint32Array(TENSORS[i]!.data.slice().buffer));
    });
  });

  it("keeps NaN, infinities and -0", () => {
    const data = Float32Array.of(NaN, Infinity, -Infinity, -0);
    const [t] = decodeSafetensors(encodeSafetensors([{ name: "x", shape: [4], data }])).tensors;
    expect(Number.isNaN(t!.data[0])).toBe(true);
    expect([...t!.data.subarray(1)]).toEqual([Infinity, -Infinity, -0]);
  });

  it("reads a file inside a larger buffer (a Node Buffer from the pool)", () => {
    const bytes = encodeSafetensors(TENSORS, METADATA);
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 5);
    const { tensors } = decodeSafetensors(big.subarray(5, 5 + bytes.length));
    expect([...tensors[0]!.data]).toEqual([...TENSORS[0]!.data]);
  });

  it("returns copies that do not alias the file's bytes", () => {
    const bytes = encodeSafetensors(TENSORS, METADATA);
    const { tensors } = decodeSafetensors(bytes);
    bytes.fill(0, 8 + headerLength(bytes));
    expect(tensors[0]!.data[0]).toBe(Math.fround(0.1));
  });

  it("reads tensors stored in another order, returning them in file order", () => {
    const a = Float32Array.of(1, 2);
    const b = Float32Array.of(3);
    const data = new Uint8Array(12);
    data.set(new Uint8Array(b.buffer), 0);
    data.set(new Uint8Array(a.buffer), 4);
    const file = fileWith({ a: { dtype: "F32", shape: [2], data_offsets: [4, 12] }, b: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, data);
    const { tensors, metadata } = decodeSafetensors(file);
    expect(metadata).toEqual({});
    expect(tensors.map((t) => [t.name, [...t.data]])).toEqual([["b", [3]], ["a", [1, 2]]]);
  });
});

describe("safetensors: corrupted files give clear errors", () => {
  const good = encodeSafetensors(TENSORS, METADATA);
  const read = (bytes: Uint8Array) => () => decodeSafetensors(bytes, "model.safetensors");

  it("names the file and says it is not valid", () => {
    expect(read(new Uint8Array(3))).toThrow(/^model\.safetensors: not a valid safetensors file: /);
  });

  it("a file shorter than the 8-byte header length", () => {
    expect(read(new Uint8Array(0))).toThrow(/0 bytes, fewer than the 8 of the header length \(truncated\?\)/);
    expect(read(good.subarray(0, 7))).toThrow(/7 bytes, fewer than the 8/);
  });

  it("a header length beyond the end of the file", () => {
    expect(read(good.subarray(0, 20))).toThrow(/the header length says \d+ bytes but only 12 follow \(truncated\?\)/);
  });

  it("a header length over the reference implementation's 100 MB limit (corrupted length bytes)", () => {
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    expect(read(huge)).toThrow(/the header length 9223372036854775808 is over the limit of 100000000 bytes \(corrupted\?\)/);
  });

  it("a truncated file: the data ends early", () => {
    expect(read(good.subarray(0, good.length - 4))).toThrow(/tensor "(empty|scalar)" spans bytes \d+\.\.\d+ but the data has 36 bytes \(truncated\?\)/);
    expect(read(good.subarray(0, 8 + headerLength(good)))).toThrow(/but the data has 0 bytes \(truncated\?\)/);
  });

  it("flipped header bytes: not JSON, not UTF-8, not an object", () => {
    const flipped = good.slice();
    flipped[8] = 0x5b; // "{" -> "["
    expect(read(flipped)).toThrow(/the header is not UTF-8 JSON \(corrupted\?\)/);
    const broken = good.slice();
    broken[20] = 0xff;
    expect(read(broken)).toThrow(/the header is not UTF-8 JSON/);
    expect(read(fileWith([1, 2], new Uint8Array(0)))).toThrow(/the header is not a JSON object/);
    expect(read(fileWith(null, new Uint8Array(0)))).toThrow(/the header is not a JSON object/);
  });

  it("offsets that run past the end", () => {
    expect(read(edited((h) => (h.dense_1_bias.data_offsets = [24, 400])))).toThrow(/tensor "dense_1_bias" spans bytes 24\.\.400 but the data has 40 bytes/);
  });

  it("offsets that overlap", () => {
    const file = edited((h) => {
      h.dense_1_bias.data_offsets = [20, 32];
      h.scalar.data_offsets = [32, 36];
      h.empty.data_offsets = [36, 36];
    });
    expect(read(file)).toThrow(/tensor "dense_1_bias" \(bytes 20\.\.32\) overlaps the tensor before it \(which ends at 24\)/);
  });

  it("offsets that leave a gap, or data after the last tensor", () => {
    const gap = edited((h) => {
      h.scalar.data_offsets = [40, 44];
      h.empty.data_offsets = [44, 44];
    }, 4);
    expect(read(gap)).toThrow(/bytes 36\.\.40 of the data belong to no tensor/);
    expect(read(edited(() => {}, 8))).toThrow(/8 bytes after the last tensor belong to no tensor/);
  });

  it("malformed offsets", () => {
    expect(read(edited((h) => (h.scalar.data_offsets = [40, 36])))).toThrow(/tensor "scalar" has invalid data_offsets \[40,36\]/);
    expect(read(edited((h) => (h.scalar.data_offsets = [36])))).toThrow(/invalid data_offsets \[36\]/);
    expect(read(edited((h) => (h.scalar.data_offsets = [36, 40.5])))).toThrow(/invalid data_offsets/);
    expect(read(edited((h) => (h.scalar.data_offsets = [-4, 40])))).toThrow(/invalid data_offsets/);
    expect(read(edited((h) => delete h.scalar.data_offsets))).toThrow(/tensor "scalar" needs a dtype, a shape and data_offsets/);
    expect(read(edited((h) => (h.scalar = 7)))).toThrow(/tensor "scalar" needs a dtype, a shape and data_offsets/);
  });

  it("a dtype other than F32", () => {
    expect(read(edited((h) => (h.dense_1_bias.dtype = "F16")))).toThrow(/tensor "dense_1_bias" has dtype "F16"; typegrad reads only F32/);
    expect(read(edited((h) => delete h.dense_1_bias.dtype))).toThrow(/has dtype undefined/);
  });

  it("a data size that does not match the shape", () => {
    expect(read(edited((h) => (h.dense_1_kernel.shape = [3, 3])))).toThrow(/tensor "dense_1_kernel" has 24 bytes, but shape \[3, 3\] of F32 needs 36/);
    expect(read(edited((h) => (h.dense_1_kernel.shape = [2, -3])))).toThrow(/invalid shape \[2,-3\]/);
    expect(read(edited((h) => (h.dense_1_kernel.shape = "2x3")))).toThrow(/needs a dtype, a shape and data_offsets/);
  });

  it("metadata that is not a map of strings", () => {
    expect(read(edited((h) => (h.__metadata__ = { version: 1 })))).toThrow(/"__metadata__" must map names to strings/);
    expect(read(edited((h) => (h.__metadata__ = ["a"])))).toThrow(/"__metadata__" must map names to strings/);
  });

  it("every single-byte corruption of the header is either harmless or a clear error", () => {
    const n = headerLength(good);
    for (let at = 0; at < 8 + n; at++) {
      const bytes = good.slice();
      bytes[at] ^= 0x21;
      try {
        const { tensors } = decodeSafetensors(bytes, "f");
        // A harmless flip (a name, a metadata value or padding): the data still reads back whole.
        expect(tensors.reduce((s, t) => s + t.data.length, 0)).toBe(10);
      } catch (error) {
        expect((error as Error).message).toMatch(/^f: not a valid safetensors file: /);
      }
    }
  });
});

describe("safetensors: checksums", () => {
  const file = encodeSafetensors(TENSORS, METADATA, { checksums: true });
  const dataStart = 8 + headerLength(file);
  const tensorAt = (at: number): string => {
    const header = headerOf(file);
    return Object.keys(header).find((name) => name !== "__metadata__" && header[name].data_offsets[0] <= at && at < header[name].data_offsets[1])!;
  };

  it("records each tensor's CRC-32 as zlib computes it, under the metadata's crc32", () => {
    const header = headerOf(file);
    const recorded = JSON.parse(header.__metadata__.crc32);
    expect(Object.keys(recorded).sort()).toEqual(TENSORS.map((t) => t.name).sort());
    for (const t of TENSORS) {
      const [begin, end] = header[t.name].data_offsets;
      expect(recorded[t.name], t.name).toBe(zlibCrc32(file.subarray(dataStart + begin, dataStart + end)).toString(16).padStart(8, "0"));
    }
    expect(decodeSafetensors(file).metadata).toEqual({ ...METADATA, crc32: header.__metadata__.crc32 });
  });

  it("refuses every flipped data byte, naming the file and the tensor it belongs to", () => {
    for (let at = 0; at < file.length - dataStart; at++) {
      const bytes = file.slice();
      bytes[dataStart + at] ^= 0x10;
      expect(() => decodeSafetensors(bytes, "model.safetensors"), `byte ${at}`).toThrow(
        new RegExp(`^model\\.safetensors: tensor "${tensorAt(at)}" is corrupted: its \\d+ bytes have CRC-32 [0-9a-f]{8}, the file recorded [0-9a-f]{8} when it was written$`),
      );
    }
  });

  it("a file without checksums (as written before them) reads as before, and cannot see such a flip", () => {
    const plain = encodeSafetensors(TENSORS, METADATA);
    expect(headerOf(plain).__metadata__.crc32).toBeUndefined();
    const bytes = plain.slice();
    bytes[8 + headerLength(plain)] ^= 0x10;
    expect(decodeSafetensors(bytes).tensors[0]!.data[0]).not.toBe(TENSORS[0]!.data[0]);
  });

  it("refuses checksums that do not match the tensors", () => {
    const withSums = (edit: (h: Record<string, any>) => void) => {
      const header = headerOf(file);
      edit(header);
      return () => decodeSafetensors(fileWith(header, file.subarray(dataStart)), "f");
    };
    expect(withSums((h) => (h.__metadata__.crc32 = "{"))).toThrow(/^f: not a valid safetensors file: the "crc32" metadata is not JSON/);
    expect(withSums((h) => (h.__metadata__.crc32 = "[]"))).toThrow(/the "crc32" metadata is not a JSON object/);
    expect(withSums((h) => (h.__metadata__.crc32 = JSON.stringify({ ...JSON.parse(h.__metadata__.crc32), ghost: "00000000" })))).toThrow(
      /names a tensor "ghost" the file does not hold/,
    );
    expect(withSums((h) => (h.__metadata__.crc32 = JSON.stringify({ ...JSON.parse(h.__metadata__.crc32), scalar: undefined })))).toThrow(
      /tensor "scalar" has no CRC-32 in the "crc32" metadata/,
    );
    expect(withSums((h) => (h.__metadata__.crc32 = JSON.stringify({ ...JSON.parse(h.__metadata__.crc32), empty: "0" })))).toThrow(/tensor "empty" has no CRC-32/);
  });

  it("keeps the crc32 key for itself", () => {
    expect(() => encodeSafetensors(TENSORS, { crc32: "mine" }, { checksums: true })).toThrow(/the metadata key "crc32" is reserved for the checksums/);
  });

  it("every single-byte corruption of a checksummed header is harmless or a clear error", () => {
    for (let at = 0; at < dataStart; at++) {
      const bytes = file.slice();
      bytes[at] ^= 0x21;
      try {
        const { tensors } = decodeSafetensors(bytes, "f");
        expect(tensors.reduce((s, t) => s + t.data.length, 0)).toBe(10);
      } catch (error) {
        expect((error as Error).message).toMatch(/^f: (not a valid safetensors file: |tensor "[^"]*" is corrupted: )/);
      }
    }
  });
});
