/**
 * Training history as plain data: per phase, per epoch, the keys Keras 2.1 wrote
 * (`loss`, `color_loss`, `color_acc`, …, and their `val_` twins), plus timings.
 */
export type HistoryRecord = Record<string, number[]>;

export interface PhaseHistory {
  name: string;
  epochs: number;
  history: HistoryRecord;
  /** Wall seconds of the phase, validation included. */
  seconds: number;
  /** Training images per second (steps × batch ÷ time in training steps). */
  imagesPerSecond: number;
  trainableParams: number;
}

export interface History {
  phases: PhaseHistory[];
}

export function appendLogs(h: HistoryRecord, logs: Record<string, number>): void {
  for (const [k, v] of Object.entries(logs)) (h[k] ??= []).push(v);
}

/** All phases joined epoch after epoch, with the epoch where each later phase starts (1-based). */
export function concatHistory(history: History): { history: HistoryRecord; phaseStarts: number[] } {
  const out: HistoryRecord = {};
  const phaseStarts: number[] = [];
  let epochs = 0;
  history.phases.forEach((p, i) => {
    if (i > 0) phaseStarts.push(epochs + 1);
    for (const [k, v] of Object.entries(p.history)) {
      const arr = (out[k] ??= new Array(epochs).fill(NaN));
      arr.push(...v);
    }
    epochs += p.epochs;
    for (const arr of Object.values(out)) while (arr.length < epochs) arr.push(NaN);
  });
  return { history: out, phaseStarts };
}
