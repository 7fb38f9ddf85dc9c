// `npm run gen [-- --check] [PATH...]`: writes NAME.gen.ts beside every NAME.model.ts.

import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { className } from "./class-name";
import { discoverModelFiles, generatedPath } from "./discover";
import { emitModule } from "./emit-module";
import { loadModels } from "./load-models";
import { writeFileAtomic } from "./write-file";

interface Outcome {
  readonly file: string;
  readonly status: "written" | "unchanged" | "stale" | "failed";
  readonly message?: string;
}

const root = process.cwd();
const packageJson = fileURLToPath(new URL("../package.json", import.meta.url));
const version = (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function generateFile(modelFile: string, check: boolean): Promise<Outcome> {
  const file = relative(root, modelFile);
  const target = generatedPath(modelFile);
  let models;
  try {
    models = await loadModels(modelFile, join(root, "tsconfig.json"));
  } catch (error) {
    return { file, status: "failed", message: `cannot load the model file: ${causeOf(error)}` };
  }
  if (models.length === 0) {
    return { file, status: "failed", message: "exports no compiled model (export const net = sequential(...).compile({ loss, optimizer }))" };
  }
  let text: string;
  try {
    const sources = models.map((m) => ({ exportName: m.exportName, className: className(m.exportName), ir: m.ir }));
    text = await emitModule(sources, { sourceFile: file.split("\\").join("/"), version });
  } catch (error) {
    return { file, status: "failed", message: causeOf(error) };
  }
  const current = existsSync(target) ? readFileSync(target, "utf8") : null;
  if (current === text) return { file, status: "unchanged" };
  if (check) return { file, status: "stale", message: current === null ? `${relative(root, target)} is missing` : `${relative(root, target)} is out of date` };
  writeFileAtomic(target, text);
  return { file, status: "written" };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const paths = args.filter((a) => a !== "--check");
  let files: string[];
  try {
    files = discoverModelFiles(paths, root);
  } catch (error) {
    console.error(causeOf(error));
    return 1;
  }
  if (files.length === 0) {
    console.error("gen: no *.model.ts files found");
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    const outcome = await generateFile(file, check);
    if (outcome.status === "failed" || outcome.status === "stale") {
      failed++;
      console.error(`${outcome.file}: ${outcome.message}`);
    } else if (!check) {
      console.log(`${outcome.status === "written" ? "wrote" : "unchanged"} ${relative(root, generatedPath(file))}`);
    }
  }
  if (check && failed) console.error(`gen --check: ${failed} generated file(s) stale or failing; run npm run gen`);
  if (check && !failed) console.log(`gen --check: ${files.length} generated file(s) up to date`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
