// The safetensors format, in memory: an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and byte range, then the raw little-endian float32 data.

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface Safetensors {
  readonly tensors: NamedTensor[];
  readonly metadata: Readonly<Record<string, string>>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.data.length !== product(t.shape)) throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape.join(", ")}]`);
    header[t.name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return bytes;
}

function fail(what: string, why: string): never {
  throw new Error(`${what}: not a valid weights file: ${why}`);
}

function parseHeader(bytes: Uint8Array, what: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) fail(what, `${bytes.length} bytes is shorter than the 8-byte header length (truncated?)`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (length > BigInt(bytes.length - 8)) fail(what, `the header claims ${length} bytes but the file has ${bytes.length - 8} after the length (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + Number(length))));
  } catch {
    fail(what, "the header is not JSON (corrupted?)");
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail(what, "the header is not a JSON object");
  return { header: header as Record<string, unknown>, dataStart: 8 + Number(length) };
}

function checkEntry(name: string, entry: unknown, dataLength: number, what: string): HeaderEntry {
  const e = entry as HeaderEntry;
  const offsetsOk = Array.isArray(e?.data_offsets) && e.data_offsets.length === 2 && e.data_offsets.every((o) => Number.isInteger(o) && o >= 0);
  if (!e || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0) || !offsetsOk) fail(what, `tensor "${name}" has a malformed entry`);
  if (e.dtype !== "F32") fail(what, `tensor "${name}" has dtype ${e.dtype}; typegrad stores F32`);
  const [begin, end] = e.data_offsets;
  if (end < begin || end > dataLength) fail(what, `tensor "${name}" spans bytes ${begin}..${end} but the data has ${dataLength} bytes (truncated?)`);
  if (end - begin !== product(e.shape) * 4) fail(what, `tensor "${name}" has ${end - begin} bytes for shape [${e.shape.join(", ")}]`);
  return e;
}

export function decodeSafetensors(bytes: Uint8Array, what = "weights"): Safetensors {
  const { header, dataStart } = parseHeader(bytes, what);
  const dataLength = bytes.length - dataStart;
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, dataLength);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(header)
    .filter(([name]) => name !== "__metadata__")
    .map(([name, entry]) => [name, checkEntry(name, entry, dataLength, what)] as const)
    .sort(([, a], [, b]) => a.data_offsets[0] - b.data_offsets[0]);
  entries.forEach(([name, e], i) => {
    const previous = entries[i - 1]?.[1];
    if (previous && e.data_offsets[0] < previous.data_offsets[1]) fail(what, `tensor "${name}" overlaps another`);
  });
  const tensors = entries.map(([name, e]) => {
    const data = new Float32Array(product(e.shape));
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(e.data_offsets[0] + i * 4, true);
    return { name, shape: e.shape, data };
  });
  return { tensors, metadata };
}
