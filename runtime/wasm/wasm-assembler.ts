// A small WebAssembly assembler: instructions by their text-format names (as `wasm-objdump -d` prints
// them), LEB128 immediates, and the few module sections a compute kernel needs: types, functions,
// one memory (its own, exported so the host can grow it and see it; or a shared one imported, so that
// instances on several threads work on the same memory), exports and code.

export type ValueType = "i32" | "f32" | "f64" | "v128";

const VALUE_TYPE_CODE: Record<ValueType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export function unsignedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

export function signedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    bytes.push(done ? low : low | 0x80);
    if (done) return bytes;
  }
}

/**
 * What follows an opcode: nothing, a LEB128 index or depth, a memory offset, a memory offset and lane 0
 * (a lane store of the vector's low lane), an i32 or f32 constant, a block type, a lane index (one
 * byte), or 16 bytes (a v128 constant, a shuffle's lane indices).
 */
type Immediate = "none" | "index" | "memory" | "memoryLane0" | "i32" | "f32" | "block" | "lane" | "bytes16";

interface Instruction {
  readonly opcode: readonly number[];
  readonly immediate: Immediate;
  /** log2 of the natural alignment, for loads and stores. */
  readonly alignment?: number;
}

const simd = (index: number): number[] => [0xfd, ...unsignedLeb128(index)];
const plain = (opcode: number): Instruction => ({ opcode: [opcode], immediate: "none" });
const withIndex = (opcode: number): Instruction => ({ opcode: [opcode], immediate: "index" });
const memory = (opcode: number[], alignment: number): Instruction => ({ opcode, immediate: "memory", alignment });
const simdOp = (index: number): Instruction => ({ opcode: simd(index), immediate: "none" });
const laneOp = (index: number): Instruction => ({ opcode: simd(index), immediate: "lane" });

const INSTRUCTIONS = {
  loop: { opcode: [0x03], immediate: "block" },
  if: { opcode: [0x04], immediate: "block" },
  else: plain(0x05),
  end: plain(0x0b),
  br_if: withIndex(0x0d),
  call: withIndex(0x10),
  select: plain(0x1b),
  "local.get": withIndex(0x20),
  "local.set": withIndex(0x21),
  "local.tee": withIndex(0x22),
  "i32.load": memory([0x28], 2),
  "f32.load": memory([0x2a], 2),
  "f64.load": memory([0x2b], 3),
  "i32.store": memory([0x36], 2),
  "f32.store": memory([0x38], 2),
  "i32.const": { opcode: [0x41], immediate: "i32" },
  "f32.const": { opcode: [0x43], immediate: "f32" },
  "f32.eq": plain(0x5b),
  "f32.gt": plain(0x5e),
  "i32.eq": plain(0x46),
  "i32.ne": plain(0x47),
  "i32.lt_s": plain(0x48),
  "i32.lt_u": plain(0x49),
  "i32.ge_s": plain(0x4e),
  "i32.add": plain(0x6a),
  "i32.sub": plain(0x6b),
  "i32.mul": plain(0x6c),
  "i32.and": plain(0x71),
  "i32.or": plain(0x72),
  "f64.sqrt": plain(0x9f),
  "f64.add": plain(0xa0),
  "f64.max": plain(0xa5),
  "f32.add": plain(0x92),
  "f32.div": plain(0x95),
  "f32.max": plain(0x97),
  "f32.demote_f64": plain(0xb6),
  "f32.convert_i32_s": plain(0xb2),
  "v128.load": memory(simd(0x00), 4),
  "v128.load32_splat": memory(simd(0x09), 2),
  "v128.load64_splat": memory(simd(0x0a), 3),
  "v128.store": memory(simd(0x0b), 4),
  "v128.const": { opcode: simd(0x0c), immediate: "bytes16" },
  "i8x16.shuffle": { opcode: simd(0x0d), immediate: "bytes16" },
  "i32x4.splat": simdOp(0x11),
  "f32x4.splat": simdOp(0x13),
  "f64x2.splat": simdOp(0x14),
  "f32x4.extract_lane": laneOp(0x1f),
  "f64x2.extract_lane": laneOp(0x21),
  "f32x4.replace_lane": laneOp(0x20),
  "i32x4.gt_s": simdOp(0x3b),
  "f32x4.gt": simdOp(0x44),
  "v128.and": simdOp(0x4e),
  "v128.store64_lane": { opcode: simd(0x5b), immediate: "memoryLane0", alignment: 3 },
  "f32x4.demote_f64x2_zero": simdOp(0x5e),
  "f64x2.promote_low_f32x4": simdOp(0x5f),
  "f32x4.nearest": simdOp(0x6a),
  "i32x4.shl": simdOp(0xab),
  "i32x4.add": simdOp(0xae),
  "i32x4.sub": simdOp(0xb1),
  "f32x4.neg": simdOp(0xe1),
  "f32x4.sqrt": simdOp(0xe3),
  "f32x4.add": simdOp(0xe4),
  "f32x4.sub": simdOp(0xe5),
  "f32x4.mul": simdOp(0xe6),
  "f32x4.div": simdOp(0xe7),
  "f32x4.min": simdOp(0xe8),
  "f32x4.max": simdOp(0xe9),
  "f32x4.pmin": simdOp(0xea),
  "f32x4.pmax": simdOp(0xeb),
  "f64x2.sqrt": simdOp(0xef),
  "f64x2.add": simdOp(0xf0),
  "f64x2.sub": simdOp(0xf1),
  "f64x2.mul": simdOp(0xf2),
  "f64x2.div": simdOp(0xf3),
  "i32x4.trunc_sat_f32x4_s": simdOp(0xf8),
  /** Relaxed SIMD: a·b + c, fused (one rounding) or not, as the host's hardware does it. */
  "f32x4.relaxed_madd": simdOp(0x105),
} satisfies Record<string, Instruction>;

export type InstructionName = keyof typeof INSTRUCTIONS;

const EMPTY_BLOCK_TYPE = 0x40;

/** The value rounded to float32, as its 4 little-endian IEEE 754 bytes. */
function float32Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value, true);
  return [view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3)];
}

function encodeInstruction(name: InstructionName, immediate: number | readonly number[] | undefined): number[] {
  const instruction: Instruction = INSTRUCTIONS[name];
  const needsImmediate = instruction.immediate !== "none" && instruction.immediate !== "block";
  if (needsImmediate !== (immediate !== undefined)) throw new Error(`wasm-assembler: ${name} ${needsImmediate ? "needs" : "takes no"} immediate`);
  if (instruction.immediate === "bytes16") {
    if (!Array.isArray(immediate) || immediate.length !== 16 || immediate.some((b) => !(Number.isInteger(b) && b >= 0 && b < 256))) {
      throw new Error(`wasm-assembler: ${name} needs 16 bytes`);
    }
    return [...instruction.opcode, ...immediate];
  }
  if (typeof immediate === "object") throw new Error(`wasm-assembler: ${name} takes a number, not bytes`);
  const value = immediate ?? 0;
  switch (instruction.immediate) {
    case "none":
      return [...instruction.opcode];
    case "block":
      return [...instruction.opcode, EMPTY_BLOCK_TYPE];
    case "index":
      return [...instruction.opcode, ...unsignedLeb128(value)];
    case "i32":
      return [...instruction.opcode, ...signedLeb128(value)];
    case "f32":
      return [...instruction.opcode, ...float32Bytes(value)];
    case "memory":
      return [...instruction.opcode, ...unsignedLeb128(instruction.alignment ?? 0), ...unsignedLeb128(value)];
    case "memoryLane0":
      return [...instruction.opcode, ...unsignedLeb128(instruction.alignment ?? 0), ...unsignedLeb128(value), 0];
    case "lane":
      if (!(Number.isInteger(value) && value >= 0 && value < 4)) throw new Error(`wasm-assembler: ${name} lane must be 0 to 3, got ${value}`);
      return [...instruction.opcode, value];
  }
}

type NamedTypes = readonly (readonly [string, ValueType])[];

/** Parameters that are all i32 (addresses, strides, counts), by name. */
export const i32Params = (...names: string[]): NamedTypes => names.map((name) => [name, "i32"] as const);

/** One function's body, written instruction by instruction; locals and callees are named. */
export class FunctionBuilder {
  private readonly localIndex = new Map<string, number>();
  private readonly localTypes: ValueType[] = [];
  private readonly body: number[] = [];

  constructor(
    readonly name: string,
    readonly params: NamedTypes,
    readonly results: readonly ValueType[],
    private readonly functionIndex: (name: string) => number,
  ) {
    for (const [local] of params) this.localIndex.set(local, this.localIndex.size);
  }

  local(name: string, type: ValueType): this {
    if (this.localIndex.has(name)) throw new Error(`wasm-assembler: ${this.name} declares ${name} twice`);
    this.localIndex.set(name, this.localIndex.size);
    this.localTypes.push(type);
    return this;
  }

  /** Appends one instruction; loads and stores take their offset (alignment is the natural one). */
  op(name: InstructionName, immediate?: number | readonly number[]): this {
    this.body.push(...encodeInstruction(name, immediate));
    return this;
  }

  get(local: string): this {
    return this.op("local.get", this.indexOf(local));
  }

  set(local: string): this {
    return this.op("local.set", this.indexOf(local));
  }

  tee(local: string): this {
    return this.op("local.tee", this.indexOf(local));
  }

  i32(value: number): this {
    return this.op("i32.const", value);
  }

  call(callee: string): this {
    return this.op("call", this.functionIndex(callee));
  }

  /** do { body } while (condition): a loop whose body runs at least once. */
  doWhile(body: () => void, condition: () => void): this {
    this.op("loop");
    body();
    condition();
    return this.op("br_if", 0).op("end");
  }

  /** local += by. */
  increment(local: string, by: () => void): this {
    this.get(local);
    by();
    return this.op("i32.add").set(local);
  }

  /** target = min(x, y), unsigned; x and y are pushed twice, so they should be cheap. */
  setMinUnsigned(target: string, x: () => void, y: () => void): this {
    x();
    y();
    x();
    y();
    return this.op("i32.lt_u").op("select").set(target);
  }

  /** The code section entry: locals grouped by type, the body, the final `end`. */
  encode(): number[] {
    const groups: [number, ValueType][] = [];
    for (const type of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === type) last[0]++;
      else groups.push([1, type]);
    }
    const locals = groups.flatMap(([count, type]) => [...unsignedLeb128(count), VALUE_TYPE_CODE[type]]);
    const entry = [...unsignedLeb128(groups.length), ...locals, ...this.body, ...encodeInstruction("end", undefined)];
    return [...unsignedLeb128(entry.length), ...entry];
  }

  private indexOf(local: string): number {
    const index = this.localIndex.get(local);
    if (index === undefined) throw new Error(`wasm-assembler: ${this.name} has no local ${local}`);
    return index;
  }
}

const SECTION = { custom: 0, type: 1, import: 2, function: 3, memory: 5, export: 7, code: 10 } as const;
/** The name section's subsection of function names. */
const FUNCTION_NAMES = 1;
const EXPORT_KIND = { function: 0, memory: 2 } as const;
/** Limits flags: a minimum only, or a minimum and maximum of a shared memory (the threads proposal). */
const LIMITS = { minimum: 0x00, sharedWithMaximum: 0x03 } as const;

/** Where a module's memory comes from: its own, or a shared memory imported as env.memory. */
export interface SharedMemoryImport {
  readonly maximumPages: number;
}
const FUNCTION_TYPE = 0x60;

function vector(items: readonly number[][]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb128(content.length), ...content];
}

function utf8Name(name: string): number[] {
  const bytes = [...new TextEncoder().encode(name)];
  return [...unsignedLeb128(bytes.length), ...bytes];
}

/**
 * A module with one memory and functions that may call those defined before them. The memory is the
 * module's own, exported as "memory", or, given `shared`, a shared memory imported as env.memory.
 */
export class ModuleBuilder {
  private readonly functions: FunctionBuilder[] = [];
  private readonly exported = new Set<string>();

  constructor(
    private readonly initialMemoryPages: number,
    private readonly shared?: SharedMemoryImport,
  ) {}

  function(name: string, params: NamedTypes, results: readonly ValueType[] = [], exported = false): FunctionBuilder {
    const f = new FunctionBuilder(name, params, results, (callee) => this.indexOf(callee));
    this.functions.push(f);
    if (exported) this.exported.add(name);
    return f;
  }

  encode(): Uint8Array {
    const types = this.functions.map((f) => [
      FUNCTION_TYPE,
      ...vector(f.params.map(([, type]) => [VALUE_TYPE_CODE[type]])),
      ...vector(f.results.map((type) => [VALUE_TYPE_CODE[type]])),
    ]);
    const exports = [
      ...(this.shared ? [] : [[...utf8Name("memory"), EXPORT_KIND.memory, 0]]),
      ...[...this.exported].map((name) => [...utf8Name(name), EXPORT_KIND.function, ...unsignedLeb128(this.indexOf(name))]),
    ];
    return new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d], // "\0asm"
      ...[0x01, 0x00, 0x00, 0x00], // version 1
      ...section(SECTION.type, vector(types)),
      ...this.memorySections(),
      ...section(SECTION.export, vector(exports)),
      ...section(SECTION.code, [...unsignedLeb128(this.functions.length), ...this.functions.flatMap((f) => f.encode())]),
      ...this.nameSection(),
    ]);
  }

  /** The custom "name" section: the functions' names, which profilers and stack traces show instead of wasm-function[i]. */
  private nameSection(): number[] {
    const names = vector(this.functions.map((f, index) => [...unsignedLeb128(index), ...utf8Name(f.name)]));
    return section(SECTION.custom, [...utf8Name("name"), ...section(FUNCTION_NAMES, names)]);
  }

  /** The import of the shared memory before the function section, or the module's own memory after it. */
  private memorySections(): number[] {
    const functions = section(SECTION.function, vector(this.functions.map((_, index) => unsignedLeb128(index))));
    if (!this.shared) return [...functions, ...section(SECTION.memory, vector([[LIMITS.minimum, ...unsignedLeb128(this.initialMemoryPages)]]))];
    const limits = [LIMITS.sharedWithMaximum, ...unsignedLeb128(this.initialMemoryPages), ...unsignedLeb128(this.shared.maximumPages)];
    const memoryImport = [...utf8Name("env"), ...utf8Name("memory"), EXPORT_KIND.memory, ...limits];
    return [...section(SECTION.import, vector([memoryImport])), ...functions];
  }

  private indexOf(name: string): number {
    const index = this.functions.findIndex((f) => f.name === name);
    if (index === -1) throw new Error(`wasm-assembler: no function ${name}`);
    return index;
  }
}
