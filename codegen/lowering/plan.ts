// The plan of a model's kernels: which nodes fuse, what every buffer is called and holds, and what
// generation refuses, all through the op and loss rules. The passes (forward, backward, loss) read
// the model through this, as the rules do (it is their LoweringContext).

import type { GraphIR, IRNode } from "../../dsl/ir";
import { GraphAnalysis } from "../graph-analysis";
import { maskOrigins, outputMask, type MaskOrigin } from "../mask-analysis";
import { LOSS_RULES } from "../losses/registry";
import type { LossShape } from "../losses/rule";
import { bind, isComputed, ruleOf } from "../ops/registry";
import type { FusedStages, FusionRole, LoweringContext, RowGather } from "../ops/rule";
import { BackwardPass } from "./backward-pass";
import { product, safeName, UnsupportedError, type BufferSpec, type Mode, type Step } from "./common";
import { ForwardPass } from "./forward-pass";
import { findFusedGroups, layerLocal, type FusedGroup } from "./fusion";
import { LossPass } from "./loss-pass";

export class Lowering implements LoweringContext {
  readonly a: GraphAnalysis;
  readonly groups: readonly FusedGroup[];
  private readonly groupOf: ReadonlyMap<string, FusedGroup>;
  /** The embedding mask each node's value carries (nodes carrying none are absent). */
  private readonly maskOrigins: ReadonlyMap<string, MaskOrigin>;

  constructor(readonly ir: GraphIR) {
    this.a = new GraphAnalysis(ir);
    if (ir.outputs.length !== 1) throw new UnsupportedError("models with several outputs are not supported yet");
    for (const node of ir.nodes) this.check(node);
    this.maskOrigins = maskOrigins(ir);
    outputMask(ir, this.maskOrigins);
    this.groups = findFusedGroups(this.a, ruleOf);
    const groupOf = new Map<string, FusedGroup>();
    for (const g of this.groups) for (const n of [g.head, g.bias, g.activation, g.mask]) if (n) groupOf.set(n.id, g);
    this.groupOf = groupOf;
  }

  /** Refuses, before any code is made, what the rules say generation cannot do. */
  private check(node: IRNode): void {
    if (node.op === "input" && node.attrs.sparse) this.checkSparseInput(node);
    if (!isComputed(node)) return;
    const { rule, op } = bind(node);
    const refusal = rule.refuse?.(op, this) ?? (node.id === this.outputId ? rule.notAnOutput?.(op) : null);
    if (refusal) throw new UnsupportedError(refusal);
  }

  /** A sparse input arrives as CSR rows; only readers whose rules take them (dense layers) may read it. */
  private checkSparseInput(node: IRNode): void {
    if (node.shape.length !== 1) throw new UnsupportedError(`sparse input "${node.id}" must have one dimension, got [${node.shape.join(", ")}]`);
    for (const reader of this.a.consumers.get(node.id)!) {
      const { rule, op } = bind(reader);
      const index = reader.inputs.indexOf(node.id);
      if (!rule.readsSparse?.(op, index, this) || reader.inputs.lastIndexOf(node.id) !== index) {
        throw new UnsupportedError(`sparse input "${node.id}" feeds ${reader.op} in layer "${reader.layer}"; a sparse input can only feed dense layers`);
      }
    }
    if (this.ir.outputs.includes(node.id)) throw new UnsupportedError(`sparse input "${node.id}" cannot be the model's output`);
  }

  get outputId(): string {
    return this.ir.outputs[0]!;
  }

  node(id: string): IRNode {
    return this.a.node(id);
  }

  local(node: IRNode, what: string): string {
    return layerLocal(this.ir.nodes, node, what);
  }

  mask(id: string): string | null {
    const origin = this.maskOrigins.get(id);
    return origin ? this.local(origin.source, "mask") : null;
  }

  group(id: string): FusedGroup | undefined {
    return this.groupOf.get(id);
  }

  size(id: string): number {
    return product(this.a.node(id).shape);
  }

  rows(node: IRNode): string {
    const leading = product(node.shape.slice(0, -1));
    return leading === 1 ? "batch" : `batch * ${leading}`;
  }

  lastDim(id: string): number {
    const shape = this.a.node(id).shape;
    return shape.length === 0 ? 1 : shape[shape.length - 1]!;
  }

  needsGrad(id: string): boolean {
    return this.a.needsGrad.has(id);
  }

  isTrainableParam(id: string): boolean {
    return this.a.isTrainableParam(this.a.node(id));
  }

  gradientHasOneWriter(paramId: string): boolean {
    const node = this.a.node(paramId);
    const param = this.ir.params.find((p) => p.name === node.attrs.param);
    const penalised = param?.regularizer != null && (param.regularizer.l1 !== 0 || param.regularizer.l2 !== 0);
    return node.op === "param" && this.a.consumers.get(paramId)!.length === 1 && !penalised;
  }

  isSparse(id: string): boolean {
    const node = this.a.node(id);
    return node.op === "input" && node.attrs.sparse === true;
  }

  /** The CSR buffers of a sparse input: row starts (batch + 1), column indices and values. */
  sparseBuffers(id: string): { indptr: string; indices: string; values: string } {
    const base = safeName(id);
    return { indptr: `${base}_indptr`, indices: `${base}_indices`, values: `${base}_values` };
  }

  /** The name a fused group gives its pre-activation, when it has one. */
  private fusedName(id: string): string | null {
    const g = this.groupOf.get(id) ?? this.groups.find((group) => group.preActivation.id === id);
    return g && g.preActivation.id === id ? g.zName : null;
  }

  /** The buffer holding a node's value: some share their input's (reshape; dropout at inference). */
  value(id: string, mode: Mode): string {
    const node = this.a.node(id);
    if (node.op === "param") return safeName(String(node.attrs.param));
    if (isComputed(node)) {
      const { rule, op } = bind(node);
      const shared = rule.sharesValueOf?.(op, mode);
      if (shared) return this.value(shared, mode);
    }
    return this.fusedName(id) ?? safeName(id);
  }

  /** The buffer holding d loss / d node; reshapes share their input's. */
  grad(id: string): string {
    const node = this.a.node(id);
    if (node.op === "param") return `d_${String(node.attrs.param)}`;
    if (isComputed(node)) {
      const { rule, op } = bind(node);
      const shared = rule.sharesGradOf?.(op);
      if (shared) return this.grad(shared);
    }
    const fused = this.fusedName(id);
    return fused ? `d_${fused}` : `d_${id}`;
  }

  stages(g: FusedGroup): FusedStages {
    const stage = <S extends FusionRole<unknown>["stage"]>(node: IRNode | null, name: S) => {
      if (!node) return null;
      const { rule, op } = bind(node);
      return rule.fusion?.stage === name ? { role: rule.fusion as Extract<FusionRole<unknown>, { stage: S }>, op } : null;
    };
    const bias = stage(g.bias, "bias");
    const activation = stage(g.activation, "activation");
    const mask = stage(g.mask, "mask");
    return {
      bias: bias && { weight: bias.role.weight(bias.op) },
      activation: activation && { entry: activation.role.activation(activation.op), alpha: activation.role.alpha(activation.op), node: activation.op.node },
      mask: mask && {
        node: mask.op.node,
        store: (value: string, at: string) => mask.role.store(mask.op, value, at),
        gradientFactor: (at: string) => mask.role.gradientFactor(mask.op, at),
        description: mask.role.describe(mask.op),
      },
    };
  }

  gathered(id: string, mode: Mode): RowGather | null {
    const node = this.a.node(id);
    if (!isComputed(node) || this.ir.outputs.includes(id)) return null;
    const { rule, op } = bind(node);
    if (!rule.rowGather) return null;
    const readers = this.a.consumers.get(id)!;
    const readThroughGather = (reader: IRNode) => {
      const { rule: readerRule, op: readerOp } = bind(reader);
      return reader.inputs.every((input, index) => input !== id || readerRule.readsGathered?.(readerOp, index) === true);
    };
    return readers.length > 0 && readers.every(readThroughGather) ? rule.rowGather(op, this, mode) : null;
  }

  buffers(): BufferSpec[] {
    const out: BufferSpec[] = [];
    const seen = new Set<string>();
    const push = (b: BufferSpec) => {
      if (!seen.has(b.name)) (out.push(b), seen.add(b.name));
    };
    for (const input of this.ir.inputs) {
      if (input.sparse) {
        const { indptr, indices, values } = this.sparseBuffers(input.node);
        // Row starts need batch + 1 entries; one extra per example covers it. Non-zeros: at most every feature.
        push({ name: indptr, role: "input", perExample: 1, fixed: 1, dtype: "int32" });
        push({ name: indices, role: "input", perExample: product(input.shape), fixed: null, dtype: "int32" });
        push({ name: values, role: "input", perExample: product(input.shape), fixed: null, dtype: "float32" });
      } else push({ name: safeName(input.node), role: "input", perExample: product(input.shape), fixed: null, dtype: input.dtype });
    }
    for (const p of this.ir.params) push({ name: safeName(p.name), role: "param", perExample: null, fixed: product(p.shape), dtype: "float32" });
    for (const p of this.ir.params) if (p.trainable) push({ name: `d_${p.name}`, role: "grad", perExample: null, fixed: product(p.shape), dtype: "float32" });
    for (const node of this.ir.nodes) {
      if (!isComputed(node)) continue;
      const { rule, op } = bind(node);
      if (!rule.sharesValueOf?.(op, "train") && !this.gathered(node.id, "train")) push({ name: this.value(node.id, "train"), role: "value", perExample: this.size(node.id), fixed: null, dtype: node.dtype });
      for (const b of rule.buffers?.(op, this) ?? []) push(b);
    }
    for (const node of this.ir.nodes) {
      if (node.op === "param" || !this.needsGrad(node.id) || this.gathered(node.id, "train")) continue;
      push({ name: this.grad(node.id), role: "dvalue", perExample: this.size(node.id), fixed: null, dtype: "float32" });
    }
    push({ name: "target", role: "target", perExample: this.targetSize(), fixed: null, dtype: "float32" });
    return out;
  }

  /** The loss's view of the output, reading `p` in the given mode. */
  lossShape(p: string): LossShape {
    return { p, size: this.size(this.outputId), width: this.lastDim(this.outputId), mask: this.mask(this.outputId) };
  }

  /** Target elements per example: class ids per row for sparse labels, else the output's size. */
  targetSize(): number {
    const loss = this.ir.training?.loss;
    const size = this.size(this.outputId);
    return loss ? LOSS_RULES[loss].targetsPerExample(size, this.lastDim(this.outputId)) : size;
  }

  /** The node whose gradient the loss writes directly, when the output op fuses with the loss. */
  fusedLossInput(): IRNode | null {
    const out = this.a.node(this.outputId);
    const loss = this.ir.training?.loss;
    const fused = loss ? LOSS_RULES[loss].fused : undefined;
    return fused && out.op === fused.outputOp ? this.a.node(out.inputs[0]!) : null;
  }

  /** For each input, the bound its ids must stay under (int32 inputs read by an embedding), or null. */
  idLimits(): (number | null)[] {
    return this.ir.inputs.map((input) => this.idLimitOf(input.node));
  }

  private idLimitOf(id: string): number | null {
    let limit: number | null = null;
    for (const reader of this.a.consumers.get(id)!) {
      const { rule, op } = bind(reader);
      const here = rule.sharesValueOf?.(op, "infer") === id ? this.idLimitOf(reader.id) : rule.idLimit?.(op, reader.inputs.indexOf(id)) ?? null;
      if (here !== null) limit = limit === null ? here : Math.min(limit, here);
    }
    return limit;
  }

  forwardSteps(mode: Mode): Step[] {
    return new ForwardPass(this, mode).steps();
  }

  lossBody(): string[] {
    return new LossPass(this).body();
  }

  backwardSteps(): Step[] {
    return new BackwardPass(this).steps();
  }
}
