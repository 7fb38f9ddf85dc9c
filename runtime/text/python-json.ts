// Just enough of Python's json module to write and read Keras' tokenizer JSON character for
// character: json.dumps' default output (", " and ": " separators, ensure_ascii escapes) and flat
// objects read back in their written order (JSON.parse would move integer-like keys such as "2020"
// to the front).

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: "\\\\", 0x08: "\\b", 0x0c: "\\f", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t" };

/** json.dumps(str) with ensure_ascii: printable ASCII as is, everything else \uXXXX (astral: its surrogate pair). */
export function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[code];
    if (short !== undefined) out += short;
    else if (code >= 0x20 && code <= 0x7e) out += text[i];
    else out += "\\u" + code.toString(16).padStart(4, "0");
  }
  return out + '"';
}

export type PythonJsonValue = string | number | boolean | null;

export function pythonJsonValue(value: PythonJsonValue): string {
  if (typeof value === "string") return pythonJsonString(value);
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (!Number.isInteger(value)) throw new Error(`pythonJsonValue: only integers are written, got ${value}`);
  return String(value);
}

/** json.dumps of a dict given as ordered entries (integer keys become strings, as Python's json does). */
export function pythonJsonObject(entries: Iterable<readonly [string | number, PythonJsonValue]>): string {
  const parts: string[] = [];
  for (const [key, value] of entries) parts.push(`${pythonJsonString(String(key))}: ${pythonJsonValue(value)}`);
  return `{${parts.join(", ")}}`;
}

/** The entries of a JSON object whose values are strings, numbers, booleans or null, in written order. */
export function parseFlatObject(text: string, what: string): [string, PythonJsonValue][] {
  const fail = (why: string): never => {
    throw new Error(`${what}: not a flat JSON object: ${why}`);
  };
  let p = 0;
  const skip = () => {
    while (p < text.length && " \t\n\r".includes(text[p]!)) p++;
  };
  const expect = (c: string) => {
    skip();
    if (text[p] !== c) fail(`expected ${JSON.stringify(c)} at offset ${p}`);
    p++;
  };
  const stringLiteral = (): string => {
    skip();
    const start = p;
    if (text[p] !== '"') fail(`expected a string at offset ${p}`);
    for (p++; p < text.length && text[p] !== '"'; p++) if (text[p] === "\\") p++;
    if (p >= text.length) fail("unterminated string");
    p++;
    return JSON.parse(text.slice(start, p)) as string;
  };
  const scalar = (): PythonJsonValue => {
    skip();
    if (text[p] === '"') return stringLiteral();
    const match = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(p, p + 400));
    if (match === null) return fail(`expected a string, number, true, false or null at offset ${p}`);
    p += match[0].length;
    return JSON.parse(match[0]) as PythonJsonValue;
  };
  const entries: [string, PythonJsonValue][] = [];
  expect("{");
  skip();
  if (text[p] === "}") p++;
  else {
    for (;;) {
      const key = stringLiteral();
      expect(":");
      entries.push([key, scalar()]);
      skip();
      if (text[p] === ",") p++;
      else if (text[p] === "}") {
        p++;
        break;
      } else fail(`expected "," or "}" at offset ${p}`);
    }
  }
  skip();
  if (p !== text.length) fail(`unexpected text at offset ${p}`);
  return entries;
}
