// A generated module is compiled by the user's own tsc, under the user's flags. `tsc --init` turns
// on noUncheckedIndexedAccess, which makes every `buffer[i]` read a `number | undefined`; some
// projects add noUnusedParameters. This pass makes the emitted source compile under both without
// changing what it does: each element read gets a non-null assertion (`dense_bias[j]!`, erased
// when compiled), and a parameter a function never reads gets a leading underscore.

import { ts } from "ts-morph";

interface Edit {
  readonly at: number;
  readonly text: string;
}

/** A plain `x[i] = v` writes, so needs no assertion; `x[i] += v` reads too. */
function isPlainAssignmentTarget(node: ts.ElementAccessExpression): boolean {
  const parent = node.parent;
  return ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
}

function needsAssertion(node: ts.ElementAccessExpression): boolean {
  return (
    !ts.isNonNullExpression(node.parent) &&
    !isPlainAssignmentTarget(node) &&
    !ts.isDeleteExpression(node.parent) &&
    node.questionDotToken === undefined
  );
}

/** Names a function body mentions. */
function identifiersIn(node: ts.Node, found = new Set<string>()): Set<string> {
  if (ts.isIdentifier(node)) found.add(node.text);
  ts.forEachChild(node, (child) => void identifiersIn(child, found));
  return found;
}

function unusedParameterEdits(fn: ts.FunctionDeclaration, source: ts.SourceFile): Edit[] {
  if (!fn.body) return [];
  const used = identifiersIn(fn.body);
  return fn.parameters
    .filter((p) => ts.isIdentifier(p.name) && !p.name.text.startsWith("_") && !used.has(p.name.text))
    .map((p) => ({ at: p.name.getStart(source), text: "_" }));
}

/** The source with the edits above applied. */
export function strictIndexing(text: string): string {
  const source = ts.createSourceFile("generated.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isElementAccessExpression(node) && needsAssertion(node)) edits.push({ at: node.getEnd(), text: "!" });
    if (ts.isFunctionDeclaration(node)) edits.push(...unusedParameterEdits(node, source));
    ts.forEachChild(node, visit);
  };
  visit(source);
  edits.sort((a, b) => b.at - a.at);
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.at) + edit.text + out.slice(edit.at);
  return out;
}
