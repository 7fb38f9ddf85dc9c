// The type-test fixtures: wrong/*.ts each hold one shape error, marked by a comment line
// `// @shape-error: <sentence>` right above the offending line; right/*.ts must type-check cleanly.
// type-only/*.ts are marked as wrong/ is, but are errors for the type checker alone (plain
// JavaScript builds them); deep/*.ts measure the type checker's work.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const fixturesDir = fileURLToPath(new URL("./fixtures", import.meta.url));

export interface Fixture {
  /** The file name, e.g. "matmul-inner-dimensions.ts". */
  readonly name: string;
  readonly path: string;
  readonly source: string;
}

export interface Marker {
  /** The sentence the DSL must produce, at compile time and at run time. */
  readonly sentence: string;
  /** The 0-based line of the offending statement: the line after the marker. */
  readonly line: number;
}

export function fixtures(kind: "wrong" | "right" | "type-only" | "deep"): Fixture[] {
  const dir = join(fixturesDir, kind);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".ts"))
    .sort()
    .map((name) => ({ name, path: join(dir, name), source: readFileSync(join(dir, name), "utf8") }));
}

const MARKER = /^\s*\/\/ @shape-error: (.*\S)\s*$/;

/** The fixture's single marker; throws when there is none, more than one, or nothing after it. */
export function marker(fixture: Fixture): Marker {
  const lines = fixture.source.split("\n");
  const found = lines.flatMap((text, i) => {
    const match = MARKER.exec(text);
    return match ? [{ sentence: match[1]!, line: i + 1 }] : [];
  });
  if (found.length !== 1) throw new Error(`${fixture.name}: expected one "// @shape-error:" line, found ${found.length}`);
  const [only] = found;
  if (!lines[only!.line]?.trim()) throw new Error(`${fixture.name}: the marker must be right above the offending line`);
  return only!;
}
