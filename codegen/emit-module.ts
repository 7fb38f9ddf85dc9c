// Assembles a generated module as a ts-morph AST and formats it with prettier.

import { Project, VariableDeclarationKind, type SourceFile } from "ts-morph";
import * as prettier from "prettier";
import type { GraphIR } from "../dsl/ir";
import { hashIR } from "../dsl/hash";
import { summaryText } from "../dsl/summary";
import { denseStackOf } from "./kernels/dense-stack";
import type { BufferSpec, Step } from "./lowering/common";
import { Lowering } from "./lowering/plan";
import { addModelTie } from "./model-tie";
import { strictIndexing } from "./strict-indexing";

/** Bump when the generated code's contract with the runtime changes. */
export const GENERATED_FORMAT = 2;

export interface ModuleSource {
  /** The export's name in the model file: "backprop". */
  readonly exportName: string;
  /** The class to generate: "Backprop". */
  readonly className: string;
  readonly ir: GraphIR;
}

export interface ModuleHeader {
  /** The model file, relative to the project: "examples/backprop/backprop.model.ts". */
  readonly sourceFile: string;
  readonly version: string;
}

const arrayType = (dtype: "float32" | "int32") => (dtype === "int32" ? "Int32Array" : "Float32Array");
const shapeTuple = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/** `const x = bufs.x` for each buffer a body mentions, so the loops read locals. */
/** The code of some lines without their comments, which name buffers they do not touch. */
function codeOf(lines: readonly string[]): string {
  return lines.map((line) => line.replace(/\/\/.*$/, "")).join("\n");
}

export function hoistBuffers(body: readonly string[], buffers: readonly BufferSpec[]): string[] {
  const text = codeOf(body);
  const lines = buffers.filter((b) => new RegExp(`\\b${b.name}\\b`).test(text)).map((b) => `const ${b.name} = bufs.${b.name};`);
  if (/\brng\b/.test(text)) lines.push("const rng = bufs.rng;");
  return [...lines, ...body];
}

/** The buffers some kernel reads or writes, plus the ones the runtime fills or reads. */
function usedBuffers(lowering: Lowering, code: readonly string[]): BufferSpec[] {
  const text = codeOf(code);
  const output = lowering.value(lowering.outputId, "infer");
  return lowering
    .buffers()
    .filter((b) => ["input", "param", "grad", "target"].includes(b.role) || b.name === output || new RegExp(`\\b${b.name}\\b`).test(text));
}

/** Distinct names for steps that would otherwise share one (a layer applied twice). */
function uniqueSteps(steps: readonly Step[], taken: Set<string>): Step[] {
  return steps.map((step) => {
    let name = step.name;
    for (let i = 2; taken.has(name); i++) name = `${step.name}_${i}`;
    taken.add(name);
    return { ...step, name };
  });
}

/** Elements of a buffer: per example for the largest batch, plus any fixed part. */
function bufferLength(b: BufferSpec): string {
  const perBatch = b.perExample === null ? null : b.perExample === 1 ? "maxBatch" : `maxBatch * ${b.perExample}`;
  return [perBatch, b.fixed || null].filter((term) => term !== null).join(" + ") || "0";
}

export function createBuffersBody(buffers: readonly BufferSpec[], ir: GraphIR, lowering: Lowering): string[] {
  const lines: string[] = [];
  let param = 0;
  let grad = 0;
  for (const b of buffers) {
    if (b.role === "param") lines.push(`const ${b.name} = params[${param++}]!;`);
    else if (b.role === "grad") lines.push(`const ${b.name} = grads[${grad++}]!;`);
    else if (b.dtype === "float32") lines.push(`const ${b.name} = floats(${bufferLength(b)});`);
    else lines.push(`const ${b.name} = new ${arrayType(b.dtype)}(${bufferLength(b)});`);
  }
  const inputs = ir.inputs.map((i) => {
    if (!i.sparse) return lowering.value(i.node, "infer");
    const { indptr, indices, values } = lowering.sparseBuffers(i.node);
    return `{ indptr: ${indptr}, indices: ${indices}, values: ${values} }`;
  });
  const output = lowering.value(lowering.outputId, "infer");
  const outputMask = lowering.mask(lowering.outputId);
  lines.push(`return { rng, inputs: [${inputs.join(", ")}], output: ${output}, ${outputMask ? `outputMask: ${outputMask}, ` : ""}${buffers.map((b) => b.name).join(", ")} };`);
  return lines;
}

/** What the runtime needs of a model: its IR without the nodes, the output shape and the summary. */
export function modelSpec(ir: GraphIR, lowering: Lowering) {
  const { nodes: _nodes, ...rest } = ir;
  return { ...rest, outputShape: lowering.a.node(lowering.outputId).shape, summary: summaryText(ir), idLimits: lowering.idLimits() };
}

/** The kernels of one model, before they become TypeScript: buffers, steps and the loss. */
export interface ModelPlan {
  readonly lowering: Lowering;
  readonly buffers: readonly BufferSpec[];
  readonly train: readonly Step[];
  readonly infer: readonly Step[];
  readonly backward: readonly Step[];
  readonly lossBody: readonly string[];
}

export function planModel(ir: GraphIR): ModelPlan {
  const lowering = new Lowering(ir);
  const taken = new Set<string>();
  const train = uniqueSteps(lowering.forwardSteps("train"), taken);
  const infer = lowering.forwardSteps("infer").map((step) => train.find((t) => t.body.join("\n") === step.body.join("\n")) ?? uniqueSteps([step], taken)[0]!);
  const backward = uniqueSteps(lowering.backwardSteps(), taken);
  const lossBody = lowering.lossBody();
  const buffers = usedBuffers(lowering, [...train, ...infer, ...backward].flatMap((s) => s.body).concat(lossBody));
  return { lowering, buffers, train, infer, backward, lossBody };
}

/**
 * Declarations of the generated file, each added once: models in one file whose buffers, steps or
 * loss come out as the same code (one network under several optimisers or penalties) share them.
 */
class SharedDeclarations {
  private readonly names = new Map<string, string>();

  /** The name of an equal declaration added before, or the one `add` adds. */
  once(key: string, add: () => string): string {
    let name = this.names.get(key);
    if (name === undefined) this.names.set(key, (name = add()));
    return name;
  }
}

/** The KERNELS member describing the model as a dense stack, when it is one. */
function denseStackMember(ir: GraphIR): string[] {
  const stack = denseStackOf(ir);
  if (!stack) return [];
  return [`\n/** The runtime trains this model with the fused WebAssembly step where available. */\ndenseStack: ${JSON.stringify(stack)}`];
}

/** What training's forward pass does that inference's does not (dropout masks, batch statistics), from the steps that differ. */
function trainingDoc(train: readonly Step[], infer: readonly Step[]): string {
  const trainOnly = train.filter((step) => !infer.includes(step)).map((step) => step.name);
  return trainOnly.length === 0
    ? "The forward pass in training mode, the same as at inference."
    : `The forward pass in training mode; these steps differ from inference: ${trainOnly.join(", ")}.`;
}

/** Adds one model's buffers and kernels (or reuses equal ones); returns the name of its KERNELS constant. */
function addKernels(file: SourceFile, shared: SharedDeclarations, plan: ModelPlan, ir: GraphIR, prefix: string): string {
  const { lowering, buffers, train, infer, backward, lossBody } = plan;
  const name = (base: string) => (prefix ? `${prefix}_${base}` : base);
  const inputsType = `readonly [${ir.inputs.map((i) => (i.sparse ? "SparseRows" : arrayType(i.dtype))).join(", ")}]`;
  const outputMask = lowering.mask(lowering.outputId);
  const buffersType = shared.once(`buffers ${inputsType} ${outputMask} ${JSON.stringify(buffers)}`, () => {
    file.addInterface({
      name: name("Buffers"),
      docs: ["Every array a training step touches, allocated once for the largest batch."],
      properties: [
        { name: "rng", type: "UniformSource", isReadonly: true },
        { name: "inputs", type: inputsType, isReadonly: true },
        { name: "output", type: "Float32Array", isReadonly: true },
        ...(outputMask ? [{ name: "outputMask", type: "Float32Array", isReadonly: true, docs: ["The output's padding mask, which the metrics apply: 1 per position holding a token."] }] : []),
        ...buffers.map((b) => ({ name: b.name, type: arrayType(b.dtype), isReadonly: true })),
      ],
    });
    return name("Buffers");
  });
  const kernelParams = [
    { name: "bufs", type: buffersType },
    { name: "batch", type: "number" },
  ];
  const kernel = (base: string, doc: string, statements: string[], returnType = "void") =>
    shared.once(`${buffersType} ${doc} ${returnType} ${statements.join("\n")}`, () => {
      file.addFunction({ name: name(base), docs: [doc], parameters: kernelParams, returnType, statements });
      return name(base);
    });
  const penalised = ir.params.some((p) => p.regularizer !== null && (p.regularizer.l1 !== 0 || p.regularizer.l2 !== 0));
  const stepNames = new Map<string, string>();
  for (const step of [...train, ...infer, ...backward]) {
    if (!stepNames.has(step.name)) stepNames.set(step.name, kernel(step.name, step.comment, hoistBuffers(step.body, buffers)));
  }
  const sequence = (base: string, doc: string, steps: readonly Step[]) => kernel(base, doc, steps.map((s) => `${stepNames.get(s.name)}(bufs, batch);`));
  const functions = {
    forwardTrain: sequence("forwardTrain", trainingDoc(train, infer), train),
    forwardInfer: sequence("forwardInfer", "The forward pass at inference.", infer),
    loss: kernel("loss", `The mean ${ir.training?.loss} over the batch${penalised ? ", plus the weight penalties" : ""}.`, hoistBuffers(lossBody, buffers), "number"),
    backward: sequence("backward", `Gradients of the mean batch loss${penalised ? ", plus the weight penalties," : ""} for every trainable weight.`, backward),
    createBuffers: shared.once(`createBuffers ${buffersType} ${createBuffersBody(buffers, ir, lowering).join("\n")}`, () => {
      file.addFunction({
        name: name("createBuffers"),
        parameters: [
          { name: "maxBatch", type: "number" },
          { name: "params", type: "readonly Float32Array[]" },
          { name: "grads", type: "readonly Float32Array[]" },
          { name: "rng", type: "UniformSource" },
          { name: "floats", type: "(count: number) => Float32Array" },
        ],
        returnType: buffersType,
        statements: createBuffersBody(buffers, ir, lowering),
      });
      return name("createBuffers");
    }),
  };
  const members = [...Object.entries(functions).map(([k, v]) => `${k}: ${v}`), ...denseStackMember(ir)].join(", ");
  const steps = [...new Set(stepNames.values())].join(", ");
  return shared.once(`kernels ${members} ${steps}`, () => {
    file.addVariableStatement({
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: name("KERNELS"), type: `Kernels<${buffersType}>`, initializer: `{ ${members}, steps: { ${steps} } }` }],
    });
    return name("KERNELS");
  });
}

/** Adds one model's class and spec, running the given kernels. */
function addClass(file: SourceFile, source: ModuleSource, hash: string, prefix: string, plan: ModelPlan, kernels: string): void {
  const { ir, className } = source;
  const { lowering } = plan;
  const name = (base: string) => (prefix ? `${prefix}_${base}` : base);
  const inputShapes = `[${ir.inputs.map((i) => shapeTuple(i.shape)).join(", ")}]`;
  const outputShape = shapeTuple(lowering.a.node(lowering.outputId).shape);
  file.addClass({
    name: className,
    isExported: true,
    docs: [`The model "${source.exportName}": inputs ${inputShapes}, output ${outputShape}.`],
    extends: `GeneratedModel<${inputShapes}, ${outputShape}, ${(ir.training?.metrics.length ?? 0) > 0}>`,
    ctors: [
      {
        docs: [`\`options.seed\` seeds this instance instead of the compiled seed (${ir.seed}).`],
        parameters: [{ name: "options", type: "ModelOptions", hasQuestionToken: true }],
        statements: [`super(${name("SPEC")}, ${JSON.stringify(hash)}, ${GENERATED_FORMAT}, ${kernels}, options);`],
      },
    ],
  });
  const spec = modelSpec(ir, lowering);
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    docs: [`What the runtime needs of "${source.exportName}": weights, inputs, loss, optimiser, layers.`],
    declarations: [{ name: name("SPEC"), type: "ModelSpec", initializer: JSON.stringify(spec) }],
  });
}

/** Functions of typegrad/runtime the kernels may call; each is imported only where used. */
/** The runtime functions generated kernels call (each imported where a module calls it). */
export const RUNTIME_HELPERS = ["gemm", "sigmoidInPlace", "softmaxRows", "crossentropyGradient", "crossentropyLoss", "sumColumns", "rationalTanh", "lstmGates", "lstmCellForward", "lstmCellBackward", "tanhRows", "tanhRowsBackward", "gruGates", "gruCellForward", "gruCellBackward", "lstmSequenceForward", "lstmSequenceBackward", "simpleRnnSequenceForward", "simpleRnnSequenceBackward", "sparseProduct", "sparseWeightGradient", "zeroWrittenRows", "gatherStepMajor", "scatterAddStepMajor"];

/** The TypeScript source of a generated module, formatted. */
export async function emitModule(sources: readonly ModuleSource[], header: ModuleHeader): Promise<string> {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile("generated.ts", "");
  const hashes = sources.map((s) => hashIR(s.ir));
  const shared = new SharedDeclarations();
  sources.forEach((source, i) => {
    const prefix = sources.length > 1 ? source.className : "";
    const plan = planModel(source.ir);
    addClass(file, source, hashes[i]!, prefix, plan, addKernels(file, shared, plan, source.ir, prefix));
  });
  const body = file.getFullText();
  file.insertImportDeclaration(0, {
    moduleSpecifier: "typegrad/runtime",
    namedImports: [
      "GeneratedModel",
      ...RUNTIME_HELPERS.filter((helper) => new RegExp(`(?<![\\w.])${helper}\\(`).test(body)),
      { name: "Kernels", isTypeOnly: true },
      { name: "ModelSpec", isTypeOnly: true },
      { name: "ModelOptions", isTypeOnly: true },
      ...(sources.some((s) => s.ir.inputs.some((i) => i.sparse)) ? [{ name: "SparseRows", isTypeOnly: true }] : []),
      { name: "UniformSource", isTypeOnly: true },
      { name: "UpToDate", isTypeOnly: true },
    ],
  });
  addModelTie(file, sources, header.sourceFile);
  const headerLines = [
    `// Generated by typegrad ${header.version} from ${header.sourceFile}. Do not edit: run \`typegrad gen\`.`,
    ...sources.map((s, i) => `// ${s.className}: export "${s.exportName}", IR hash ${hashes[i]}.`),
  ];
  return prettier.format(strictIndexing(`${headerLines.join("\n")}\n\n${file.getFullText()}`), { parser: "typescript", printWidth: 120 });
}
