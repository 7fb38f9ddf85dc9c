import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// typegrad/* resolve to the sources here, as tsconfig.json's "paths" makes them for tsc and tsx;
// installed, package.json's "exports" sends them to the compiled dist/.
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "typegrad/dsl": source("./dsl/index.ts"),
      "typegrad/runtime": source("./runtime/index.ts"),
      "typegrad/codegen": source("./codegen/index.ts"),
      "typegrad/text": source("./runtime/text/index.ts"),
      "typegrad/datasets": source("./runtime/datasets/index.ts"),
    },
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
