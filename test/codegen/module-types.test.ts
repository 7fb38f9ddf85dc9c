import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { loadModels } from "../../codegen/load-models";

// A Module built without run-time shapes takes them, and its input dtype, from Module<In, Out, D>.

const root = fileURLToPath(new URL("../..", import.meta.url));
mkdirSync(join(root, "test", ".tmp"), { recursive: true });
const dir = mkdtempSync(join(root, "test", ".tmp", "module-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("reads the shapes and an int32 input from the type arguments", async () => {
  const file = join(dir, "bag.model.ts");
  writeFileSync(
    file,
    `import { dense, embedding, flatten, Module, type Tensor } from "typegrad/dsl";
class Bag extends Module<[20], [1], "int32"> {
  words = embedding(100, 4);
  out = dense(1, "sigmoid");
  call(ids: Tensor<[20], "int32">): Tensor<[1]> {
    return this.out(flatten(this.words(ids)));
  }
}
export const bag = new Bag().compile({ loss: "binaryCrossentropy" });
`,
  );
  const [model] = await loadModels(file, join(root, "tsconfig.json"));
  expect(model!.ir.inputs[0]).toMatchObject({ shape: [20], dtype: "int32" });
  expect(model!.ir.nodes.find((n) => n.id === model!.ir.outputs[0])!.shape).toEqual([1]);
});
