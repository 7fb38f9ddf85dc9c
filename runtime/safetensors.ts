// The safetensors format (huggingface/safetensors), in memory and float32 only: an 8-byte
// little-endian header length N, N bytes of UTF-8 JSON header (padded with spaces so the data
// starts 8-byte aligned) naming each tensor's dtype, shape and byte range within the data, then
// the raw little-endian data. Reading checks everything the reference implementation checks.
// typegrad adds one thing the format leaves to its users: a CRC-32 of each tensor's bytes, kept in
// the metadata under "crc32" (a JSON object, tensor name -> eight hex digits). Other readers ignore
// it; decodeSafetensors checks it whenever it is there, so a flipped byte names its tensor.

import { crc32, crc32Hex } from "./crc32";
import { product } from "./product";

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface Safetensors {
  /** In the order of their data in the file. */
  readonly tensors: NamedTensor[];
  readonly metadata: Readonly<Record<string, string>>;
}

interface HeaderEntry {
  readonly dtype: "F32";
  readonly shape: readonly number[];
  readonly data_offsets: readonly [number, number];
}

const METADATA = "__metadata__";
/** The metadata key of the tensors' checksums. */
export const CHECKSUM_KEY = "crc32";
/** The reference implementation refuses larger headers. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

const isSize = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const shapeText = (shape: readonly number[]) => `[${shape.join(", ")}]`;

// ------------------------------------------------------------------ writing

function checkTensors(tensors: readonly NamedTensor[]): void {
  const names = new Set<string>();
  for (const { name, shape, data } of tensors) {
    if (name === METADATA || names.has(name)) throw new Error(`safetensors: the tensor name "${name}" is ${name === METADATA ? "reserved" : "used twice"}`);
    names.add(name);
    if (!shape.every(isSize)) throw new Error(`safetensors: tensor "${name}" has an invalid shape ${shapeText(shape)}`);
    if (data.length !== product(shape)) throw new Error(`safetensors: tensor "${name}" has ${data.length} values for shape ${shapeText(shape)}`);
  }
}

/** The header JSON, padded with spaces to a multiple of 8 bytes. */
function headerBytes(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = { [METADATA]: { ...metadata } };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

function writeFloats(target: Uint8Array, at: number, data: Float32Array): void {
  if (LITTLE_ENDIAN) {
    target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(target.buffer, target.byteOffset);
  for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
}

/** The CRC-32 of each tensor's little-endian bytes, as the "crc32" metadata holds them. */
function checksums(tensors: readonly NamedTensor[]): string {
  const scratch = new Uint8Array(tensors.reduce((most, t) => Math.max(most, LITTLE_ENDIAN ? 0 : t.data.byteLength), 0));
  const sums: Record<string, string> = {};
  for (const t of tensors) {
    const bytes = LITTLE_ENDIAN ? new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) : scratch.subarray(0, t.data.byteLength);
    if (!LITTLE_ENDIAN) writeFloats(bytes, 0, t.data);
    sums[t.name] = crc32Hex(crc32(bytes));
  }
  return JSON.stringify(sums);
}

export interface EncodeOptions {
  /** Record a CRC-32 of each tensor's bytes in the metadata (under "crc32"), checked on reading. */
  readonly checksums?: boolean;
}

/** The file's bytes: the tensors' data in the order given, metadata as the header's "__metadata__". */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>> = {}, options: EncodeOptions = {}): Uint8Array {
  checkTensors(tensors);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") throw new Error(`safetensors: metadata "${key}" must be a string, got ${typeof value}`);
  }
  if (options.checksums && CHECKSUM_KEY in metadata) throw new Error(`safetensors: the metadata key "${CHECKSUM_KEY}" is reserved for the checksums`);
  const header = headerBytes(tensors, options.checksums ? { ...metadata, [CHECKSUM_KEY]: checksums(tensors) } : metadata);
  const dataBytes = tensors.reduce((sum, t) => sum + t.data.byteLength, 0);
  const bytes = new Uint8Array(8 + header.length + dataBytes);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  let at = 8 + header.length;
  for (const t of tensors) {
    writeFloats(bytes, at, t.data);
    at += t.data.byteLength;
  }
  return bytes;
}

// ------------------------------------------------------------------ reading

class Reader {
  constructor(readonly what: string) {}

  fail(why: string): never {
    throw new Error(`${this.what}: not a valid safetensors file: ${why}`);
  }

  /** The parsed header object and where the data starts. */
  header(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
    if (bytes.length < 8) this.fail(`it has ${bytes.length} bytes, fewer than the 8 of the header length (truncated?)`);
    const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (length > BigInt(MAX_HEADER_BYTES)) this.fail(`the header length ${length} is over the limit of ${MAX_HEADER_BYTES} bytes (corrupted?)`);
    if (length > BigInt(bytes.length - 8)) this.fail(`the header length says ${length} bytes but only ${bytes.length - 8} follow (truncated?)`);
    const dataStart = 8 + Number(length);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
    } catch (error) {
      this.fail(`the header is not UTF-8 JSON (corrupted?): ${(error as Error).message}`);
    }
    if (header === null || typeof header !== "object" || Array.isArray(header)) this.fail("the header is not a JSON object");
    return { header: header as Record<string, unknown>, dataStart };
  }

  metadata(value: unknown): Record<string, string> {
    if (value === undefined) return {};
    const ok = value !== null && typeof value === "object" && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
    if (!ok) this.fail(`"${METADATA}" must map names to strings`);
    return { ...(value as Record<string, string>) };
  }

  entry(name: string, value: unknown, dataLength: number): HeaderEntry {
    const e = value as Partial<Record<keyof HeaderEntry, unknown>> | null;
    if (e === null || typeof e !== "object" || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
      this.fail(`tensor "${name}" needs a dtype, a shape and data_offsets`);
    }
    if (e.dtype !== "F32") this.fail(`tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; typegrad reads only F32`);
    if (!e.shape.every(isSize)) this.fail(`tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    const offsets = e.data_offsets;
    if (offsets.length !== 2 || !offsets.every(isSize) || offsets[0] > offsets[1]) this.fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) this.fail(`tensor "${name}" spans bytes ${begin}..${end} but the data has ${dataLength} bytes (truncated?)`);
    const shape = e.shape as number[];
    if (end - begin !== product(shape) * 4) this.fail(`tensor "${name}" has ${end - begin} bytes, but shape ${shapeText(shape)} of F32 needs ${product(shape) * 4}`);
    return { dtype: "F32", shape, data_offsets: [begin, end] };
  }

  /** Sorted by offset, the entries must tile the data exactly: no overlap, no gap, nothing after. */
  layout(entries: readonly (readonly [string, HeaderEntry])[], dataLength: number): void {
    let at = 0;
    for (const [name, { data_offsets: [begin, end] }] of entries) {
      if (begin < at) this.fail(`tensor "${name}" (bytes ${begin}..${end}) overlaps the tensor before it (which ends at ${at})`);
      if (begin > at) this.fail(`bytes ${at}..${begin} of the data belong to no tensor`);
      at = end;
    }
    if (at !== dataLength) this.fail(`${dataLength - at} bytes after the last tensor belong to no tensor`);
  }

  /** When the metadata records checksums: one per tensor, each matching the tensor's bytes. */
  checksums(metadata: Readonly<Record<string, string>>, entries: readonly (readonly [string, HeaderEntry])[], data: Uint8Array): void {
    const text = metadata[CHECKSUM_KEY];
    if (text === undefined) return; // written before typegrad recorded checksums
    let sums: unknown;
    try {
      sums = JSON.parse(text);
    } catch {
      this.fail(`the "${CHECKSUM_KEY}" metadata is not JSON (corrupted?)`);
    }
    if (sums === null || typeof sums !== "object" || Array.isArray(sums)) this.fail(`the "${CHECKSUM_KEY}" metadata is not a JSON object (corrupted?)`);
    const recorded = sums as Record<string, unknown>;
    const names = new Set(entries.map(([name]) => name));
    for (const name of Object.keys(recorded)) if (!names.has(name)) this.fail(`the "${CHECKSUM_KEY}" metadata names a tensor "${name}" the file does not hold (corrupted?)`);
    for (const [name, { data_offsets: [begin, end] }] of entries) {
      const expected = recorded[name];
      if (typeof expected !== "string" || !/^[0-9a-f]{8}$/.test(expected)) this.fail(`tensor "${name}" has no CRC-32 in the "${CHECKSUM_KEY}" metadata (corrupted?)`);
      const actual = crc32Hex(crc32(data.subarray(begin, end)));
      if (actual !== expected) {
        throw new Error(`${this.what}: tensor "${name}" is corrupted: its ${end - begin} bytes have CRC-32 ${actual}, the file recorded ${expected} when it was written`);
      }
    }
  }
}

function readFloats(bytes: Uint8Array, from: number, count: number): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.slice(from, from + 4 * count).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(from + 4 * i, true);
  return data;
}

/** Parses and validates a safetensors file; `what` names it in errors ("weights.safetensors"). */
export function decodeSafetensors(bytes: Uint8Array, what = "weights"): Safetensors {
  const reader = new Reader(what);
  const { header, dataStart } = reader.header(bytes);
  const dataLength = bytes.length - dataStart;
  const metadata = reader.metadata(header[METADATA]);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA)
    .map(([name, value]) => [name, reader.entry(name, value, dataLength)] as const)
    .sort(([, a], [, b]) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1]);
  reader.layout(entries, dataLength);
  reader.checksums(metadata, entries, bytes.subarray(dataStart));
  const tensors = entries.map(([name, e]) => ({ name, shape: e.shape, data: readFloats(bytes, dataStart + e.data_offsets[0], product(e.shape)) }));
  return { tensors, metadata };
}
