// What fit returns, as Keras' History: per-epoch series by name, the epochs run, and the params.

export interface HistoryParams {
  readonly epochs: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly samples: number;
  readonly verbose: 0 | 1 | 2;
}

/** `history.loss`, `history.acc`, `history.val_loss`, ... (also under `history.history`, as Keras). */
export type History = { readonly [series: string]: number[] } & {
  readonly epoch: number[];
  readonly params: HistoryParams;
  readonly history: Readonly<Record<string, number[]>>;
};

export function makeHistory(series: Record<string, number[]>, epoch: number[], params: HistoryParams): History {
  // Assigned one by one: an object spread of a dictionary takes V8's slow path, a cost in every fit call.
  const history: Record<string, unknown> = {};
  for (const name of Object.keys(series)) history[name] = series[name];
  history.epoch = epoch;
  history.params = params;
  history.history = series;
  return history as History;
}
