// `npm run build` (and `npm pack`, through "prepack"): compiles dsl/, runtime/ and codegen/ to
// JavaScript with declaration files in dist/, so the package runs on plain Node and in bundlers
// and its types reach the user's tsc. The sources import each other without extensions
// ("./layer", "../dsl/ir"), as bundlers and tsx allow; Node's ES module loader does not, so every
// relative specifier of the output (.js and .d.ts) is rewritten to the file it means
// ("./layer.js", "./ops/index.js").

import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, "dist");

/** The output's specifier for a relative import written in `sourceDir`: "./x" -> "./x.js" or "./x/index.js". */
function withExtension(specifier: string, sourceDir: string): string {
  if (!/^\.\.?(\/|$)/.test(specifier) || /\.(js|json)$/.test(specifier)) return specifier;
  const target = resolve(sourceDir, specifier);
  if (existsSync(`${target}.ts`)) return `${specifier}.js`;
  if (existsSync(target) && statSync(target).isDirectory() && existsSync(join(target, "index.ts"))) return `${specifier.replace(/\/$/, "")}/index.js`;
  throw new Error(`${relative(root, sourceDir)}: cannot resolve the import "${specifier}"`);
}

/** Positions of the module specifiers in an emitted file: import/export declarations, import() calls and import types. */
function specifiers(file: ts.SourceFile): ts.StringLiteralLike[] {
  const found: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteralLike(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      found.push(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteralLike(node.argument.literal)) {
      found.push(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function rewrite(text: string, outFile: string): string {
  const sourceDir = join(root, relative(outDir, dirname(outFile)));
  const file = ts.createSourceFile(outFile, text, ts.ScriptTarget.Latest, true);
  let out = text;
  for (const literal of specifiers(file).sort((a, b) => b.getStart(file) - a.getStart(file))) {
    const replacement = withExtension(literal.text, sourceDir);
    if (replacement !== literal.text) out = out.slice(0, literal.getStart(file) + 1) + replacement + out.slice(literal.getEnd() - 1);
  }
  return out;
}

function build(): void {
  const configPath = join(root, "tsconfig.build.json");
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) });
  if (!config) throw new Error(`cannot read ${configPath}`);
  rmSync(outDir, { recursive: true, force: true });
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const diagnostics = [...ts.getPreEmitDiagnostics(program)];
  if (diagnostics.length) fail(diagnostics);
  const result = program.emit(undefined, (fileName, text) => {
    mkdirSync(dirname(fileName), { recursive: true });
    writeFileSync(fileName, rewrite(text, fileName));
  });
  if (result.diagnostics.length) fail([...result.diagnostics]);
  chmodSync(join(outDir, "codegen", "cli.js"), 0o755);
  console.log(`build: ${config.fileNames.length} files compiled to ${relative(root, outDir)}/`);
}

function fail(diagnostics: readonly ts.Diagnostic[]): never {
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
  console.error(ts.formatDiagnostics(diagnostics, host));
  process.exit(1);
}

build();
