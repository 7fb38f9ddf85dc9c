// Weight penalties added to the loss, as Keras: l1 * sum|w| + l2 * sum w^2.

export interface RegularizerConfig {
  readonly l1: number;
  readonly l2: number;
}

function factor(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new Error(`${name}: the factor must be a non-negative number, got ${value}`);
  return value;
}

export const l1 = (value = 0.01): RegularizerConfig => ({ l1: factor("l1", value), l2: 0 });
export const l2 = (value = 0.01): RegularizerConfig => ({ l1: 0, l2: factor("l2", value) });
export const l1l2 = ({ l1: a = 0, l2: b = 0 }: { l1?: number; l2?: number } = {}): RegularizerConfig => ({
  l1: factor("l1l2", a),
  l2: factor("l1l2", b),
});
