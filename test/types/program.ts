// One TypeScript program over fixture files, with the options of the root tsconfig.json
// (moduleResolution "bundler" and its paths resolve "typegrad/dsl" to dsl/index.ts).

import ts from "typescript";
import { join } from "node:path";
import { root } from "./fixtures";

export function fixtureProgram(paths: readonly string[]): ts.Program {
  const configPath = join(root, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  return ts.createProgram([...paths], parsed.options);
}

/** "line 12: the message", the line 1-based. */
export function describeDiagnostic(d: ts.Diagnostic): string {
  const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : "?";
  return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
}
