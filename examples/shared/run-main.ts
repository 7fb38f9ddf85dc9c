import { pathToFileURL } from "node:url";

/** Runs an example's main when its file is executed directly (tsx examples/x/main.ts), not when a test imports it. */
export function runIfMain(moduleUrl: string, main: () => unknown): void {
  if (process.argv[1] && moduleUrl === pathToFileURL(process.argv[1]).href) main();
}
