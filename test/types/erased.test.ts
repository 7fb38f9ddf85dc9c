import { describe, expect, it } from "vitest";
import { fixtures, marker } from "./fixtures";

// The same rules run when the graph is built: a plain-JavaScript caller (here: vite strips the
// types without checking them) gets the compile-time sentence as an Error when the model is built.
// A Module's run-time message adds what call returned (", got Tensor<[2]>"), hence toContain.

async function importError(path: string): Promise<unknown> {
  return import(/* @vite-ignore */ path).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("wrong models throw the same sentence at run time", () => {
  for (const fixture of fixtures("wrong")) {
    it(fixture.name, async () => {
      const { sentence } = marker(fixture);
      const error = await importError(fixture.path);
      expect(error, "importing the fixture must throw").toBeInstanceOf(Error);
      expect((error as Error).message).toContain(sentence);
    });
  }
});

describe("right models build without throwing", () => {
  for (const fixture of fixtures("right")) {
    it(fixture.name, async () => {
      const error = await importError(fixture.path);
      expect(error).toBeUndefined();
    });
  }
});
